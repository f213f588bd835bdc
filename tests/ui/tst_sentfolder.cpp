// The Sent-copy settings of the accounts dialog against a real Dovecot (Debian's dovecot-imapd
// started by tests/integration/realservers/dovecot.sh on 127.0.0.1; root only): "Choose…"
// connects with the account's credentials without blocking, lists the server's folders with the
// \Sent one preselected, and the chosen one is stored in the account; the auto/on/off switch
// says what it does for the provider. Never sleeps.
#include "AccountDialog.h"
#include "RealImapServer.h"
#include "SentFolderChooser.h"
#include "UiTestSupport.h"

#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>

using namespace outpost;
using namespace outpost::ui;
using outpost::test::RealImapServer;
using namespace Qt::Literals::StringLiterals;

class TestSentFolder : public QObject
{
    Q_OBJECT
private slots:
    void chooseFolderFromServer_data();
    void chooseFolderFromServer();
    void wrongPasswordSaysWhy();
    void sentCopySwitchSaysWhatAutoMeans();

private:
    /// The form of account "work" pointed at Dovecot's implicit-TLS port as alice.
    static void fillImap(AccountDialog &dlg, const RealImapServer &dovecot)
    {
        dlg.userEdit()->setText(u"alice@example.org"_s);
        for (QComboBox *c : dlg.findChildren<QComboBox *>()) { // Authentication: Automatic
            const int i = c->findData(u"scram-sha-256"_s);
            if (i >= 0)
                c->setCurrentIndex(c->findData(u"auto"_s));
        }
        dlg.caFileEdit()->setText(test::sourceDir() + u"/tests/support/certs/ca.pem"_s);
        dlg.imapHostEdit()->setText(u"localhost"_s);
        dlg.imapSecurityCombo()->setCurrentIndex(
            dlg.imapSecurityCombo()->findData(int(Security::Tls)));
        dlg.imapPortSpin()->setValue(dovecot.tlsPort());
    }
};

void TestSentFolder::chooseFolderFromServer_data()
{
    QTest::addColumn<bool>("specialUse");
    QTest::addColumn<QString>("preselected");
    QTest::addColumn<QStringList>("folders");
    QTest::newRow("special-use") << true << u"Sent"_s
                                 << QStringList{u"Archive"_s, u"Drafts"_s, u"INBOX"_s,
                                                u"Sent  (the server's Sent folder)"_s, u"Trash"_s};
    QTest::newRow("by name") << false << u"Sent Items"_s
                             << QStringList{u"Archive"_s, u"INBOX"_s, u"Sent Items"_s};
}

void TestSentFolder::chooseFolderFromServer()
{
    QFETCH(bool, specialUse);
    QFETCH(QString, preselected);
    QFETCH(QStringList, folders);
    const QString skip = RealImapServer::skipReason();
    if (!skip.isEmpty())
        QSKIP(qPrintable(skip));
    RealImapServer dovecot;
    RealImapServer::Variant v;
    v.specialUse = specialUse;
    QVERIFY2(dovecot.start(v), qPrintable(dovecot.error()));
    test::UiFixture f;
    QVERIFY(f.open());
    AccountDialog dlg(f.service.get());
    dlg.show();
    QVERIFY(dlg.selectAccount(u"work"_s));
    fillImap(dlg, dovecot);
    dlg.passwordEdit()->setText(u"pässwörd-ü-7"_s);
    dlg.findChild<QTabWidget *>()->setCurrentIndex(1); // "Sent folder"
    QVERIFY(dlg.chooseFolderButton()->isVisible());
    test::saveScreenshot(&dlg, u"accounts-sent-tab.png"_s);
    QSignalSpy opened(&dlg, &AccountDialog::folderChooserOpened);
    QTest::mouseClick(dlg.chooseFolderButton(), Qt::LeftButton);
    QCOMPARE(opened.count(), 1);
    auto *chooser = qobject_cast<SentFolderChooser *>(opened.first().first().value<QDialog *>());
    QVERIFY(chooser);
    // Not blocking: the chooser is open and connecting while the server has not answered yet.
    QCOMPARE(chooser->stateLabel()->text(),
             u"Connecting to localhost:%1…"_s.arg(dovecot.tlsPort()));
    QSignalSpy listed(chooser, &SentFolderChooser::listed);
    QVERIFY(listed.wait(30000));
    QVERIFY2(listed.first().first().toBool(), qPrintable(chooser->stateLabel()->text()));
    QStringList shown;
    for (int i = 0; i < chooser->folderList()->count(); ++i)
        shown << chooser->folderList()->item(i)->text();
    shown.sort();
    QCOMPARE(shown, folders);
    QCOMPARE(chooser->chosen(), preselected);
    test::saveScreenshot(chooser, u"accounts-sent-folder.png"_s);
    // The user picks another one; it is what the account keeps.
    const QList<QListWidgetItem *> archive =
        chooser->folderList()->findItems(u"Archive"_s, Qt::MatchExactly);
    QCOMPARE(archive.size(), 1);
    chooser->folderList()->setCurrentItem(archive.first());
    chooser->accept();
    QCOMPARE(dlg.sentFolderEdit()->text(), u"Archive"_s);
    QVERIFY(dlg.save());
    const std::optional<Account> a = f.service->accounts()->find(u"work"_s);
    QVERIFY(a);
    QCOMPARE(a->imapHost, u"localhost"_s);
    QCOMPARE(a->imapPort, dovecot.tlsPort());
    QCOMPARE(a->imapSecurity, Security::Tls);
    QCOMPARE(a->imapUser, QString());
    QCOMPARE(a->sentFolder, u"Archive"_s);
    QCOMPARE(a->sentCopy, SentCopy::Auto);
    // The session said LOGOUT: Dovecot logged the user out.
    QTRY_VERIFY_WITH_TIMEOUT(dovecot.log().contains("Logged out"), 10000);
}

void TestSentFolder::wrongPasswordSaysWhy()
{
    const QString skip = RealImapServer::skipReason();
    if (!skip.isEmpty())
        QSKIP(qPrintable(skip));
    RealImapServer dovecot;
    QVERIFY2(dovecot.start(), qPrintable(dovecot.error()));
    test::UiFixture f;
    QVERIFY(f.open());
    AccountDialog dlg(f.service.get());
    dlg.show();
    QVERIFY(dlg.selectAccount(u"work"_s));
    fillImap(dlg, dovecot);
    // No password typed: the stored one (the credential store) is used.
    f.credentials.writePassword(u"work"_s, u"wrong"_s, [](bool, const QString &) {});
    QSignalSpy opened(&dlg, &AccountDialog::folderChooserOpened);
    dlg.chooseSentFolder();
    QTRY_COMPARE(opened.count(), 1);
    auto *chooser = qobject_cast<SentFolderChooser *>(opened.first().first().value<QDialog *>());
    QSignalSpy listed(chooser, &SentFolderChooser::listed);
    QVERIFY(listed.wait(30000));
    QCOMPARE(listed.first().first().toBool(), false);
    QVERIFY2(chooser->stateLabel()->text().startsWith(u"The folders could not be listed: "_s),
             qPrintable(chooser->stateLabel()->text()));
    QVERIFY2(chooser->stateLabel()->text().contains(u"Authentication failed"_s),
             qPrintable(chooser->stateLabel()->text()));
    QCOMPARE(chooser->folderList()->count(), 0);
}

void TestSentFolder::sentCopySwitchSaysWhatAutoMeans()
{
    test::UiFixture f;
    QVERIFY(f.open());
    AccountDialog dlg(f.service.get());
    dlg.show();
    QVERIFY(dlg.selectAccount(u"work"_s));
    QCOMPARE(dlg.sentCopyNote()->text(), u"No copies: no IMAP server is set."_s);
    dlg.imapHostEdit()->setText(u"imap.example.org"_s);
    QCOMPARE(dlg.sentCopyNote()->text(),
             u"Automatic: every sent message is copied (this provider does not keep sent mail "
             "itself)."_s);
    dlg.hostEdit()->setText(u"smtp.gmail.com"_s);
    dlg.imapHostEdit()->setText(u"imap.gmail.com"_s);
    QCOMPARE(dlg.sentCopyNote()->text(),
             u"Automatic: no copies, because this provider puts sent mail into the Sent folder "
             "itself."_s);
    dlg.sentCopyCombo()->setCurrentIndex(dlg.sentCopyCombo()->findData(int(SentCopy::On)));
    QCOMPARE(dlg.sentCopyNote()->text(), u"Every sent message is copied."_s);
    dlg.imapUserEdit()->setText(u"alice.imap"_s);
    dlg.imapSecurityCombo()->setCurrentIndex(
        dlg.imapSecurityCombo()->findData(int(Security::StartTls)));
    QVERIFY(dlg.save());
    const std::optional<Account> a = f.service->accounts()->find(u"work"_s);
    QCOMPARE(a->imapHost, u"imap.gmail.com"_s);
    QCOMPARE(a->imapPort, quint16(0));
    QCOMPARE(a->effectiveImapPort(), quint16(143));
    QCOMPARE(a->imapSecurity, Security::StartTls);
    QCOMPARE(a->imapUser, u"alice.imap"_s);
    QCOMPARE(a->sentCopy, SentCopy::On);
    // Shown again as stored.
    QVERIFY(dlg.selectAccount(u"work"_s));
    QCOMPARE(dlg.imapUserEdit()->text(), u"alice.imap"_s);
    QCOMPARE(SentCopy(dlg.sentCopyCombo()->currentData().toInt()), SentCopy::On);
}

QTEST_MAIN(TestSentFolder)
#include "tst_sentfolder.moc"
