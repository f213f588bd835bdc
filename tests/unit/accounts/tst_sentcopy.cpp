// The Sent copy's settings of an account (SentCopy.h): the `auto` rule, the names of the
// switch, the IMAP session settings made from an account, and the fields AccountStore keeps.

#include "accounts/AccountStore.h"
#include "accounts/SentCopy.h"
#include "outbox/Clock.h"
#include "storage/Database.h"
#include "storage/Storage.h"

#include <QTemporaryDir>
#include <QTest>

using namespace outpost;

class TestSentCopy : public QObject
{
    Q_OBJECT

private slots:
    void autoRule_data()
    {
        QTest::addColumn<QString>("smtpHost");
        QTest::addColumn<QString>("imapHost");
        QTest::addColumn<QString>("mode");
        QTest::addColumn<bool>("effective");
        // auto: off where the provider files submitted mail in Sent itself.
        QTest::newRow("own server") << "mail.example.org"
                                    << "mail.example.org"
                                    << "auto" << true;
        QTest::newRow("gmail") << "smtp.gmail.com"
                               << "imap.gmail.com"
                               << "auto" << false;
        QTest::newRow("googlemail") << "smtp.googlemail.com"
                                    << "imap.example.org"
                                    << "auto" << false;
        QTest::newRow("outlook.com") << "smtp-mail.outlook.com"
                                     << "outlook.office365.com"
                                     << "auto" << false;
        QTest::newRow("microsoft 365") << "smtp.office365.com"
                                       << "outlook.office365.com"
                                       << "auto" << false;
        QTest::newRow("upper case, dot") << "SMTP.GMAIL.COM."
                                         << "imap.example.org"
                                         << "auto" << false;
        QTest::newRow("look-alike") << "smtp.notgmail.com"
                                    << "imap.notgmail.com"
                                    << "auto" << true;
        QTest::newRow("no imap host") << "mail.example.org"
                                      << ""
                                      << "auto" << false;
        QTest::newRow("on for gmail") << "smtp.gmail.com"
                                      << "imap.gmail.com"
                                      << "on" << true;
        QTest::newRow("off") << "mail.example.org"
                             << "mail.example.org"
                             << "off" << false;
        QTest::newRow("on without imap") << "mail.example.org"
                                         << ""
                                         << "on" << false;
    }
    void autoRule()
    {
        QFETCH(QString, smtpHost);
        QFETCH(QString, imapHost);
        QFETCH(QString, mode);
        QFETCH(bool, effective);
        Account a;
        a.host = smtpHost;
        a.imapHost = imapHost;
        QVERIFY(sentCopyFromName(mode, &a.sentCopy));
        QCOMPARE(sentCopyEffective(a), effective);
    }

    void checkRule_data()
    {
        QTest::addColumn<QString>("smtpHost");
        QTest::addColumn<QString>("imapHost");
        QTest::addColumn<QString>("mode");
        QTest::addColumn<bool>("checkable");
        // Gmail and Microsoft 365 file submitted mail themselves: checked though not copied.
        QTest::newRow("gmail auto") << "smtp.gmail.com"
                                    << "imap.gmail.com"
                                    << "auto" << true;
        QTest::newRow("microsoft 365 auto") << "smtp.office365.com"
                                            << "outlook.office365.com"
                                            << "auto" << true;
        QTest::newRow("own server auto") << "mail.example.org"
                                         << "mail.example.org"
                                         << "auto" << true;
        QTest::newRow("on") << "mail.example.org"
                            << "mail.example.org"
                            << "on" << true;
        QTest::newRow("off") << "smtp.gmail.com"
                             << "imap.gmail.com"
                             << "off" << false;
        QTest::newRow("no imap host") << "smtp.gmail.com"
                                      << ""
                                      << "on" << false;
        QTest::newRow("blank imap host") << "smtp.gmail.com"
                                         << "  "
                                         << "auto" << false;
    }
    /// Which accounts look for an uncertain message in Sent before sending it again.
    void checkRule()
    {
        QFETCH(QString, smtpHost);
        QFETCH(QString, imapHost);
        QFETCH(QString, mode);
        QFETCH(bool, checkable);
        Account a;
        a.host = smtpHost;
        a.imapHost = imapHost;
        QVERIFY(sentCopyFromName(mode, &a.sentCopy));
        QCOMPARE(sentFolderCheckable(a), checkable);
    }

    void names()
    {
        SentCopy s = SentCopy::Auto;
        QVERIFY(sentCopyFromName(QStringLiteral("OFF"), &s));
        QCOMPARE(s, SentCopy::Off);
        QVERIFY(!sentCopyFromName(QStringLiteral("maybe"), &s));
        QCOMPARE(s, SentCopy::Off);
        for (SentCopy m : {SentCopy::Auto, SentCopy::On, SentCopy::Off}) {
            SentCopy back = SentCopy::Auto;
            QVERIFY(sentCopyFromName(sentCopyName(m), &back));
            QCOMPARE(back, m);
        }
    }

    void imapConfigUsesTheSubmissionCredentials()
    {
        Account a;
        a.name = QStringLiteral("work");
        a.host = QStringLiteral("smtp.example.org");
        a.user = QStringLiteral("alice");
        a.imapHost = QStringLiteral("imap.example.org");
        a.imapSecurity = Security::StartTls;
        a.pinSha256 = QString(64, QLatin1Char('a'));
        ImapConfig c = imapConfigForAccount(a, QStringLiteral("secret"), nullptr);
        QCOMPARE(c.host, QStringLiteral("imap.example.org"));
        QCOMPARE(c.port, quint16(143));
        QCOMPARE(c.security, Security::StartTls);
        QCOMPARE(c.credentials.user, QStringLiteral("alice"));
        QCOMPARE(c.credentials.password, QStringLiteral("secret"));
        QCOMPARE(c.pinSha256, QByteArray::fromHex(QByteArray(64, 'a')));
        QCOMPARE(c.logTag, QStringLiteral("work"));
        a.imapUser = QStringLiteral("alice@example.org");
        a.imapPort = 1993;
        a.imapSecurity = Security::Tls;
        c = imapConfigForAccount(a, QStringLiteral("secret"), nullptr);
        QCOMPARE(c.port, quint16(1993));
        QCOMPARE(c.credentials.user, QStringLiteral("alice@example.org"));
        a.auth = QStringLiteral("xoauth2");
        c = imapConfigForAccount(a, QStringLiteral("token"), nullptr);
        QCOMPARE(c.credentials.oauthToken, QStringLiteral("token"));
        QVERIFY(c.credentials.password.isEmpty());
    }

    void storeKeepsTheImapFields()
    {
        QTemporaryDir dir;
        MockClock clock;
        const QString path = dir.filePath(QStringLiteral("outbox.sqlite"));
        Account a;
        a.name = QStringLiteral("work");
        a.host = QStringLiteral("smtp.example.org");
        a.imapHost = QStringLiteral("imap.example.org");
        a.imapPort = 1143;
        a.imapSecurity = Security::StartTls;
        a.imapUser = QStringLiteral("alice@example.org");
        a.sentFolder = QStringLiteral("Gesendete Objekte");
        a.sentCopy = SentCopy::On;
        {
            Database db;
            QString error;
            QVERIFY2(db.open(path, &error), qPrintable(error));
            Storage storage(&db, &clock);
            AccountStore store(&db, &storage);
            QVERIFY2(store.add(a, &error), qPrintable(error));
            Account bad = a;
            bad.name = QStringLiteral("bad");
            bad.imapHost = QStringLiteral("imap example");
            QVERIFY(!store.add(bad, &error));
        }
        Database db;
        QString error;
        QVERIFY2(db.open(path, &error), qPrintable(error));
        Storage storage(&db, &clock);
        AccountStore store(&db, &storage);
        const std::optional<Account> back = store.find(QStringLiteral("work"));
        QVERIFY(back);
        QCOMPARE(back->imapHost, a.imapHost);
        QCOMPARE(back->imapPort, a.imapPort);
        QCOMPARE(back->imapSecurity, a.imapSecurity);
        QCOMPARE(back->imapUser, a.imapUser);
        QCOMPARE(back->sentFolder, a.sentFolder);
        QCOMPARE(back->sentCopy, SentCopy::On);
        Account changed = *back;
        changed.sentCopy = SentCopy::Off;
        changed.imapHost.clear();
        QVERIFY2(store.update(changed, &error), qPrintable(error));
        QCOMPARE(store.find(QStringLiteral("work"))->sentCopy, SentCopy::Off);
        QVERIFY(store.find(QStringLiteral("work"))->imapHost.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestSentCopy)
#include "tst_sentcopy.moc"
