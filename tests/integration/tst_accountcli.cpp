// The account commands of the command line in process (app/cli) against a real Postfix
// (tests/integration/realservers): an untrusted certificate shown with its fingerprint and the
// exact `account edit` that trusts it, the pause it caused released by that edit, `account add
// --auto` finding the server by the probe, and a recipient with a non-ASCII local part refused
// alone by a Postfix without SMTPUTF8 (smtputf8_enable = no) while the others get the message.
#include "CommandTest.h"
#include "RealServers.h"

#include "accounts/AccountDiscovery.h"
#include "accounts/AccountStore.h"

#include <QCryptographicHash>
#include <QRegularExpression>
#include <QSslCertificate>

using namespace outpost;
using namespace outpost::cli;
using namespace outpost::test;

namespace {
QString certs()
{
    return sourceDir() + QStringLiteral("/tests/integration/certs/");
}
} // namespace

class TestAccountCli : public QObject
{
    Q_OBJECT

private:
    RealSmtpServer m_postfix;
    QTemporaryDir m_files;
    QString m_passwordCommand;
    QByteArray m_serverSha256; ///< SHA-256 of the certificate Postfix presents
    std::unique_ptr<CommandFixture> f;

    /// `account add NAME` for localhost:`port`, STARTTLS, the test user, no trust given.
    CommandRun addAccount(const QString &name, quint16 port, const QStringList &more = {})
    {
        return f->run<AccountAdd>(
            QStringList{name, QStringLiteral("--host"), QStringLiteral("localhost"),
                        QStringLiteral("--port"), QString::number(port),
                        QStringLiteral("--security"), QStringLiteral("starttls"),
                        QStringLiteral("--user"), QStringLiteral("alice@example.org"),
                        QStringLiteral("--from"), QStringLiteral("alice@example.org"),
                        QStringLiteral("--password-command"), m_passwordCommand} +
            more);
    }

private slots:
    void initTestCase()
    {
        const QString skip = RealSmtpServer::skipReason();
        if (!skip.isEmpty())
            QSKIP(qPrintable(skip));
        QVERIFY(m_files.isValid());
        const QString pw = m_files.filePath(QStringLiteral("password"));
        QFile file(pw);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(realServerPassword());
        file.close();
        m_passwordCommand = QStringLiteral("cat '%1'").arg(pw);
        // A certificate for example.org names, issued by the tests' own CA: not trusted by
        // the system store, and not for "localhost".
        const QString pem = certs() + QStringLiteral("example.pem");
        m_postfix.setCertificate(pem, certs() + QStringLiteral("example.key"));
        QVERIFY2(m_postfix.start(
                     RealSmtpServer::Kind::Postfix,
                     {{QStringLiteral("no-smtputf8"), QStringLiteral("smtputf8_enable=no")}}),
                 qPrintable(m_postfix.error()));
        const QList<QSslCertificate> chain = QSslCertificate::fromPath(pem);
        QVERIFY(!chain.isEmpty());
        m_serverSha256 =
            QCryptographicHash::hash(chain.first().toDer(), QCryptographicHash::Sha256);
    }

    void init()
    {
        f = std::make_unique<CommandFixture>();
        QVERIFY(f->dir.isValid());
    }

    // account test: the fingerprint, names and issuer of the certificate Postfix presented,
    // and the exact command that trusts it; that command, run as printed, makes the test pass.
    void untrustedCertificateSaysHowToTrustIt()
    {
        QVERIFY(addAccount(QStringLiteral("work"), m_postfix.port()).is(Result::Ok));
        CommandRun r = f->run<AccountTest>({QStringLiteral("work")});
        QVERIFY2(r.is(Result::Insecure), r.why());
        const QString err = QString::fromUtf8(r.err);
        const QString colons = QString::fromLatin1(m_serverSha256.toHex(':').toUpper());
        QVERIFY2(err.contains(QStringLiteral("  SHA-256 fingerprint: ") + colons + u'\n'),
                 r.err.constData());
        QVERIFY2(err.contains(QStringLiteral("  issued to:  ")), r.err.constData());
        QVERIFY2(err.contains(QStringLiteral("example.org")), r.err.constData());
        QVERIFY2(err.contains(QStringLiteral("  issued by:  ")), r.err.constData());
        static const QRegularExpression edit(
            QStringLiteral("\n  outpost account edit work --pin-sha256 ([0-9a-f]{64})\n"));
        const QRegularExpressionMatch m = edit.match(err);
        QVERIFY2(m.hasMatch(), r.err.constData());
        QCOMPARE(m.captured(1).toLatin1(), m_serverSha256.toHex());

        r = f->run<AccountEdit>(
            {QStringLiteral("work"), QStringLiteral("--pin-sha256"), m.captured(1)});
        QVERIFY2(r.is(Result::Ok), r.why());
        r = f->run<AccountTest>({QStringLiteral("work")});
        QVERIFY2(r.is(Result::Ok), r.why());
    }

    // flush: the account pauses on the untrusted certificate and flush says how to trust it;
    // the printed edit releases the held message, and the next flush delivers it.
    void flushPauseReleasedByTheEdit()
    {
        QVERIFY(addAccount(QStringLiteral("work"), m_postfix.port()).is(Result::Ok));
        const qint64 id = f->queue(QStringLiteral("held until trusted"));
        QVERIFY(id > 0);
        CommandRun r = f->run<Flush>({});
        QVERIFY2(r.is(Result::Deferred), r.why());
        const QString err = QString::fromUtf8(r.err);
        static const QRegularExpression edit(
            QStringLiteral("\n  outpost account edit work --pin-sha256 ([0-9a-f]{64})\n"));
        const QRegularExpressionMatch m = edit.match(err);
        QVERIFY2(m.hasMatch(), r.err.constData());
        QCOMPARE(m.captured(1).toLatin1(), m_serverSha256.toHex());
        QCOMPARE(f->open()->outbox()->summary(id)->state, MessageState::Held);

        r = f->run<AccountEdit>(
            {QStringLiteral("work"), QStringLiteral("--pin-sha256"), m.captured(1)});
        QVERIFY2(r.is(Result::Ok), r.why());
        QVERIFY2(r.out.contains("The account is no longer paused; 1 held message(s) queued"),
                 r.out.constData());
        r = f->run<Flush>({});
        QVERIFY2(r.is(Result::Ok), r.why());
        QCOMPARE(f->open()->outbox()->summary(id)->state, MessageState::Sent);
    }

    // --auto: only mail.example.org:587 answers (the real Postfix); it is shown as a guess with
    // where it came from, saved only with --yes, and the probe never logged in.
    void autoFindsTheServerByTheProbe()
    {
        DiscoveryOptions o;
        o.stepTimeoutMs = 4000;
        o.extraCaCertificates = QSslCertificate::fromPath(SmtpServer::caPath());
        const quint16 starttls = m_postfix.port();
        o.connectTo = [starttls](const QString &host, quint16 port) {
            const bool there = host == QLatin1String("mail.example.org") && port == 587;
            return QPair<QString, quint16>(QStringLiteral("127.0.0.1"),
                                           there ? starttls : quint16(1));
        };
        o.nameserver = QHostAddress(QStringLiteral("127.0.0.2")); // nobody there: no SRV
        f->discovery = &o;
        const qint64 logAt = m_postfix.logSize();
        CommandRun r =
            f->run<AccountAdd>({QStringLiteral("work"), QStringLiteral("--address"),
                                QStringLiteral("alice@example.org"), QStringLiteral("--auto")});
        QVERIFY2(r.is(Result::Usage), r.why());
        QVERIFY2(r.out.startsWith("Found settings for alice@example.org from a guess: the "
                                  "probe of mail.example.org:587 (starttls) answered (EHLO only, "
                                  "no login):\n"),
                 r.out.constData());
        QVERIFY2(r.out.contains("  server:   mail.example.org port 587, starttls\n"
                                "  login:    alice@example.org with the account's password\n"),
                 r.out.constData());
        QVERIFY2(r.out.contains("Not saved. If these are right, save them with --yes:\n"
                                "  outpost account add work --address alice@example.org --auto "
                                "--yes\n"),
                 r.out.constData());
        QVERIFY(!f->open()->accounts()->find(QStringLiteral("work")));

        r = f->run<AccountAdd>({QStringLiteral("work"), QStringLiteral("--address"),
                                QStringLiteral("alice@example.org"), QStringLiteral("--auto"),
                                QStringLiteral("--yes")});
        QVERIFY2(r.is(Result::Ok), r.why());
        const auto a = f->open()->accounts()->find(QStringLiteral("work"));
        QVERIFY(a);
        QCOMPARE(a->host, QStringLiteral("mail.example.org"));
        QCOMPARE(a->port, quint16(587));
        QCOMPARE(a->security, Security::StartTls);
        QCOMPARE(a->user, QStringLiteral("alice@example.org"));
        QCOMPARE(a->from, QStringLiteral("alice@example.org"));
        // Two probes reached Postfix: EHLO, STARTTLS, EHLO and QUIT each, never AUTH.
        QTRY_VERIFY_WITH_TIMEOUT(m_postfix.log(logAt).count("]: disconnect from ") >= 2, 10000);
        const QByteArray log = m_postfix.log(logAt);
        QVERIFY2(!log.contains("auth="), log.constData());
        QCOMPARE(log.count("ehlo=2 starttls=1 quit=1 commands=4"), 2);
    }

    // Postfix without SMTPUTF8: the non-ASCII recipient is refused alone, with the reason; the
    // others get the message (one delivery each), and the message is sent, partly.
    void nonAsciiRecipientRefusedAlone()
    {
        const quint16 port = m_postfix.extraPort(QStringLiteral("no-smtputf8"));
        QVERIFY(addAccount(
                    QStringLiteral("work"), port,
                    {QStringLiteral("--pin-sha256"), QString::fromLatin1(m_serverSha256.toHex())})
                    .is(Result::Ok));
        const int before = int(m_postfix.deliveryFiles().size());
        const qint64 id = f->queue(QStringLiteral("to three"),
                                   {QStringLiteral("--to"), QStringLiteral("j\u00f6rg@example.net"),
                                    QStringLiteral("--to"), QStringLiteral("carol@example.net")});
        QVERIFY(id > 0);
        const CommandRun r = f->run<Flush>({});
        QVERIFY2(r.is(Result::SomeRecipientsRefused), r.why());
        QVERIFY2(QString::fromUtf8(r.err).contains(
                     QStringLiteral("j\u00f6rg@example.net refused: not sent: the address has "
                                    "non-ASCII characters before the @ and the server does not "
                                    "offer SMTPUTF8")),
                 r.err.constData());
        const auto service = f->open();
        const auto m = service->outbox()->summary(id);
        QCOMPARE(m->state, MessageState::Sent);
        QCOMPARE(m->delivery(), Delivery::Partial);
        QTRY_COMPARE_WITH_TIMEOUT(int(m_postfix.deliveryFiles().size()), before + 2, 20000);
    }
};

QTEST_GUILESS_MAIN(TestAccountCli)
#include "tst_accountcli.moc"
