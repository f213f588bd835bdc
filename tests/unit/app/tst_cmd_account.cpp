// The account commands in process (AccountAdd, AccountList, AccountRemove, AccountDefault,
// AccountTest): their Result, what they print, and what they leave in the outbox.
#include "CommandTest.h"
#include "MiniSmtpServer.h"

#include "accounts/AccountDiscovery.h"
#include "accounts/AccountStore.h"
#include "accounts/SentCopy.h"
#include "accounts/Settings.h"
#include "oauth/OAuthProvider.h"
#include "storage/OutboxWriter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace outpost;
using namespace outpost::cli;
using namespace outpost::test;

class TestAccountCommands : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<CommandFixture> f;

private slots:
    void init()
    {
        f = std::make_unique<CommandFixture>();
        QVERIFY(f->dir.isValid());
    }

    void addMakesTheFirstAccountTheDefault()
    {
        CommandRun r = f->addAccount(QStringLiteral("work"));
        QVERIFY2(r.is(Result::Ok), r.why());
        QCOMPARE(r.out, QByteArray());
        // A login without any password: the command says how to give one.
        r = f->addAccount(QStringLiteral("login"), 9,
                          {QStringLiteral("--user"), QStringLiteral("alice")});
        QVERIFY2(r.is(Result::Ok), r.why());
        QCOMPARE(r.out, QByteArray("account login added; give its password with: outpost account "
                                   "edit login --password-stdin (kept in the system keychain), or "
                                   "--password-command CMD\n"));
        r = f->addAccount(QStringLiteral("home"), 25);
        QVERIFY2(r.is(Result::Ok), r.why());
        const auto service = f->open();
        QCOMPARE(service->accounts()->defaultAccount(), QStringLiteral("work"));
        QCOMPARE(service->accounts()->find(QStringLiteral("home"))->port, quint16(25));
    }

    void addRefusals_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<Result>("result");
        QTest::addColumn<QString>("words");
        QTest::newRow("no host") << QStringList{QStringLiteral("x")} << Result::Usage
                                 << QStringLiteral("usage: outpost account add NAME --host H");
        QTest::newRow("port 0") << QStringList{QStringLiteral("x"), QStringLiteral("--host"),
                                               QStringLiteral("h"), QStringLiteral("--port"),
                                               QStringLiteral("0")}
                                << Result::Usage
                                << QStringLiteral("--port needs a number from 1 to 65535");
        QTest::newRow("security") << QStringList{QStringLiteral("x"), QStringLiteral("--host"),
                                                 QStringLiteral("h"), QStringLiteral("--security"),
                                                 QStringLiteral("smime")}
                                  << Result::Usage
                                  << QStringLiteral("--security is tls, starttls or none");
        QTest::newRow("bad from") << QStringList{QStringLiteral("x"), QStringLiteral("--host"),
                                                 QStringLiteral("h"), QStringLiteral("--from"),
                                                 QStringLiteral("nobody")}
                                  << Result::BadInput << QStringLiteral("--from nobody: ");
        QTest::newRow("control character")
            << QStringList{QStringLiteral("a\u202eb"), QStringLiteral("--host"),
                           QStringLiteral("h")}
            << Result::Usage << QStringLiteral("an account name cannot hold control characters");
        QTest::newRow("two password sources")
            << QStringList{QStringLiteral("x"),    QStringLiteral("--host"),
                           QStringLiteral("h"),    QStringLiteral("--password-command"),
                           QStringLiteral("true"), QStringLiteral("--password-stdin")}
            << Result::Usage
            << QStringLiteral("give --password-command or --password-stdin, not both");
    }
    void addRefusals()
    {
        QFETCH(QStringList, args);
        QFETCH(Result, result);
        QFETCH(QString, words);
        const CommandRun r = f->run<AccountAdd>(args);
        QVERIFY2(r.is(result), r.why());
        QVERIFY2(QString::fromUtf8(r.err).contains(words), r.why());
        QVERIFY(f->open()->accounts()->list().isEmpty());
    }

    // A From with a display name, as the window accepts it; the messages carry the name.
    void fromWithDisplayName()
    {
        CommandRun r = f->run<AccountAdd>(
            {QStringLiteral("named"), QStringLiteral("--host"), QStringLiteral("127.0.0.1"),
             QStringLiteral("--security"), QStringLiteral("none"), QStringLiteral("--from"),
             QStringLiteral("Alice Example <alice@example.org>")});
        QVERIFY2(r.is(Result::Ok), r.why());
        r = f->run<AccountAdd>({QStringLiteral("two"), QStringLiteral("--host"),
                                QStringLiteral("127.0.0.1"), QStringLiteral("--from"),
                                QStringLiteral("a@example.org, b@example.org")});
        QVERIFY2(r.is(Result::BadInput), r.why());
        QVERIFY2(r.err.contains("give exactly one address"), r.err.constData());
        const qint64 id = f->queue(QStringLiteral("named"));
        QVERIFY(id > 0);
        const auto service = f->open();
        const auto m = service->storage()->reader()->message(id);
        QVERIFY(m);
        QCOMPARE(m->fromText, QStringLiteral("Alice Example <alice@example.org>"));
        QCOMPARE(m->reversePath, QByteArray("alice@example.org"));
    }

    void imapSettingsAreStoredEditedAndListed()
    {
        CommandRun r = f->run<AccountAdd>(
            {QStringLiteral("work"), QStringLiteral("--host"), QStringLiteral("smtp.example.org"),
             QStringLiteral("--user"), QStringLiteral("alice"), QStringLiteral("--imap-host"),
             QStringLiteral("imap.example.org"), QStringLiteral("--imap-security"),
             QStringLiteral("starttls"), QStringLiteral("--sent-folder"),
             QStringLiteral("Gesendete Objekte")});
        QVERIFY2(r.is(Result::Ok), r.why());
        r = f->run<AccountAdd>({QStringLiteral("gmail"), QStringLiteral("--host"),
                                QStringLiteral("smtp.gmail.com"), QStringLiteral("--imap-host"),
                                QStringLiteral("imap.gmail.com")});
        QVERIFY2(r.is(Result::Ok), r.why());
        r = f->run<AccountAdd>({QStringLiteral("bad"), QStringLiteral("--host"),
                                QStringLiteral("smtp.example.org"), QStringLiteral("--sent-copy"),
                                QStringLiteral("sometimes")});
        QVERIFY2(r.is(Result::Usage), r.why());
        r = f->run<AccountAdd>({QStringLiteral("bad"), QStringLiteral("--host"),
                                QStringLiteral("smtp.example.org"), QStringLiteral("--sent-copy"),
                                QStringLiteral("on")});
        QVERIFY2(r.is(Result::Usage), r.why());
        QVERIFY2(r.err.contains("--imap-host"), r.err.constData());

        r = f->run<AccountList>({QStringLiteral("--json")});
        QVERIFY2(r.is(Result::Ok), r.why());
        QJsonArray list = QJsonDocument::fromJson(r.out).array();
        QCOMPARE(list.size(), 2);
        const QJsonObject gmail = list[0].toObject()[QStringLiteral("imap")].toObject();
        QCOMPARE(gmail[QStringLiteral("sent_copy")].toString(), QStringLiteral("auto"));
        QCOMPARE(gmail[QStringLiteral("sent_copy_effective")].toBool(), false);
        QCOMPARE(gmail[QStringLiteral("port")].toInt(), 993);
        QJsonObject work = list[1].toObject()[QStringLiteral("imap")].toObject();
        QCOMPARE(work[QStringLiteral("host")].toString(), QStringLiteral("imap.example.org"));
        QCOMPARE(work[QStringLiteral("port")].toInt(), 143);
        QCOMPARE(work[QStringLiteral("security")].toString(), QStringLiteral("starttls"));
        QCOMPARE(work[QStringLiteral("user")].toString(), QStringLiteral("alice"));
        QCOMPARE(work[QStringLiteral("sent_folder")].toString(),
                 QStringLiteral("Gesendete Objekte"));
        QCOMPARE(work[QStringLiteral("sent_copy_effective")].toBool(), true);

        r = f->run<AccountEdit>({QStringLiteral("work"), QStringLiteral("--sent-copy"),
                                 QStringLiteral("off"), QStringLiteral("--imap-port"),
                                 QStringLiteral("1143")});
        QVERIFY2(r.is(Result::Ok), r.why());
        QCOMPARE(r.out, QByteArray("Account \"work\" changed:\n"
                                   "  imap-port: 143 -> 1143\n"
                                   "  sent-copy: auto -> off\n"));
        r = f->run<AccountList>({QStringLiteral("--json")});
        list = QJsonDocument::fromJson(r.out).array();
        work = list[1].toObject()[QStringLiteral("imap")].toObject();
        QCOMPARE(work[QStringLiteral("port")].toInt(), 1143);
        QCOMPARE(work[QStringLiteral("sent_copy")].toString(), QStringLiteral("off"));
        QCOMPARE(work[QStringLiteral("sent_copy_effective")].toBool(), false);
        r = f->run<AccountList>({});
        QVERIFY2(r.out.contains("sent copy off via imap.example.org:1143 starttls to \"Gesendete "
                                "Objekte\""),
                 r.out.constData());
        QVERIFY2(r.out.contains("sent copy auto: off via imap.gmail.com:993 tls"),
                 r.out.constData());
    }

    void addKeepsThePasswordFromStandardInput()
    {
        const CommandRun r = f->run<AccountAdd>(
            {QStringLiteral("work"), QStringLiteral("--host"), QStringLiteral("127.0.0.1"),
             QStringLiteral("--user"), QStringLiteral("alice"), QStringLiteral("--password-stdin")},
            "s3cret\r\nignored\n");
        QVERIFY2(r.is(Result::Ok), r.why());
        QString secret;
        f->credentials.readPassword(QStringLiteral("work"),
                                    [&](bool, const QString &s, const QString &) { secret = s; });
        QCOMPARE(secret, QStringLiteral("s3cret"));
    }

    // --oauth: the preset brings the server; the fields are kept as the account's and read
    // back, never shown as settings; the first step is `account login`.
    void addOAuthPresetKeepsItsFields()
    {
        CommandRun r = f->run<AccountAdd>(
            {QStringLiteral("ms"), QStringLiteral("--oauth"), QStringLiteral("microsoft"),
             QStringLiteral("--oauth-client-id"), QStringLiteral("my-registered-id"),
             QStringLiteral("--user"), QStringLiteral("alice@outlook.com")});
        QVERIFY2(r.is(Result::Ok), r.why());
        QVERIFY(r.out.contains("outpost account login ms"));
        const auto service = f->open();
        const Account a = *service->accounts()->find(QStringLiteral("ms"));
        QCOMPARE(a.host, QStringLiteral("smtp-mail.outlook.com"));
        QCOMPARE(a.port, quint16(587));
        QCOMPARE(a.security, Security::StartTls);
        QCOMPARE(a.auth, QStringLiteral("xoauth2"));
        QCOMPARE(a.oauth.provider, QStringLiteral("microsoft"));
        QCOMPARE(a.oauth.clientId, QStringLiteral("my-registered-id"));
        QCOMPARE(a.oauth.tokenStore, QStringLiteral("keychain"));
        QVERIFY(service->settings()->stored().isEmpty()); // not settings: `config list` is empty
        r = f->run<AccountAdd>({QStringLiteral("g"), QStringLiteral("--oauth"),
                                QStringLiteral("google"), QStringLiteral("--oauth-client-id"),
                                QStringLiteral("id.apps.googleusercontent.com"),
                                QStringLiteral("--auth"), QStringLiteral("oauthbearer"),
                                QStringLiteral("--user"), QStringLiteral("alice@gmail.com")});
        QVERIFY2(r.is(Result::Ok), r.why());
        const Account g = *f->open()->accounts()->find(QStringLiteral("g"));
        QCOMPARE(g.host, QStringLiteral("smtp.gmail.com"));
        QCOMPARE(g.auth, QStringLiteral("oauthbearer"));
    }

    // `account edit` changes the client registration of an OAuth account (the secret never
    // printed) and says to sign in again; what is not an OAuth account's, or not a preset's,
    // is refused and nothing changes.
    void editOAuthSettings()
    {
        CommandRun r = f->run<AccountAdd>(
            {QStringLiteral("ms"), QStringLiteral("--oauth"), QStringLiteral("microsoft"),
             QStringLiteral("--oauth-client-id"), QStringLiteral("old-id"),
             QStringLiteral("--user"), QStringLiteral("alice@outlook.com")});
        QVERIFY2(r.is(Result::Ok), r.why());
        r = f->run<AccountEdit>({QStringLiteral("ms"), QStringLiteral("--oauth-client-id"),
                                 QStringLiteral("new-id"), QStringLiteral("--oauth-client-secret"),
                                 QStringLiteral("s3cr3t")});
        QVERIFY2(r.is(Result::Ok), r.why());
        QCOMPARE(r.out, QByteArray("Account \"ms\" changed:\n"
                                   "  oauth-client-id: old-id -> new-id\n"
                                   "  oauth-client-secret: (none) -> (set)\n"
                                   "Sign in again for the new sign-in settings: outpost account "
                                   "login ms\n"));
        Account a = *f->open()->accounts()->find(QStringLiteral("ms"));
        QCOMPARE(a.oauth.clientId, QStringLiteral("new-id"));
        QCOMPARE(a.oauth.clientSecret, QStringLiteral("s3cr3t"));

        r = f->run<AccountEdit>({QStringLiteral("ms"), QStringLiteral("--oauth-scope"),
                                 QStringLiteral("https://outlook.office.com/IMAP")});
        QVERIFY2(r.is(Result::Usage), r.why());
        QVERIFY2(r.err.contains("are for --oauth custom; microsoft brings its own"),
                 r.err.constData());
        r = f->run<AccountEdit>({QStringLiteral("ms"), QStringLiteral("--password-command"),
                                 QStringLiteral("echo hi")});
        QVERIFY2(r.is(Result::Usage), r.why());
        QVERIFY2(r.err.contains("an OAuth account has no password"), r.err.constData());
        if (oauthProviderPreset(QStringLiteral("microsoft"))->clientId.isEmpty()) {
            r = f->run<AccountEdit>(
                {QStringLiteral("ms"), QStringLiteral("--oauth-client-id"), QString()});
            QVERIFY2(r.is(Result::Usage), r.why());
            QVERIFY2(r.err.contains("could not sign in any more"), r.err.constData());
        }
        r = f->run<AccountEdit>(
            {QStringLiteral("ms"), QStringLiteral("--oauth"), QStringLiteral("google")});
        QVERIFY2(r.is(Result::Usage), r.why());
        QVERIFY2(r.err.contains("chosen when it is added"), r.err.constData());
        QVERIFY(f->addAccount(QStringLiteral("work")).is(Result::Ok));
        r = f->run<AccountEdit>(
            {QStringLiteral("work"), QStringLiteral("--oauth-client-id"), QStringLiteral("x")});
        QVERIFY2(r.is(Result::Usage), r.why());
        QVERIFY2(r.err.contains("--oauth-client-id is for an account that signs in with OAuth"),
                 r.err.constData());
        r = f->run<AccountAdd>({QStringLiteral("plain"), QStringLiteral("--host"),
                                QStringLiteral("smtp.example.org"),
                                QStringLiteral("--oauth-client-id"), QStringLiteral("x")});
        QVERIFY2(r.is(Result::Usage), r.why());
        a = *f->open()->accounts()->find(QStringLiteral("ms"));
        QCOMPARE(a.oauth.scope, QString());
        QCOMPARE(a.oauth.clientId, QStringLiteral("new-id"));
        QCOMPARE(a.passwordCommand, QString());
        QVERIFY(!f->open()->accounts()->find(QStringLiteral("plain")));
        QVERIFY(!f->open()->accounts()->find(QStringLiteral("work"))->oauth.enabled());
    }

    void addOAuthRefusals_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("words");
        const QString id = QStringLiteral("--oauth-client-id");
        QTest::newRow("unknown provider")
            << QStringList{QStringLiteral("x"), QStringLiteral("--oauth"), QStringLiteral("yahoo"),
                           QStringLiteral("--user"), QStringLiteral("a@b.c")}
            << QStringLiteral("--oauth is microsoft, google or custom");
        QTest::newRow("no user") << QStringList{QStringLiteral("x"), QStringLiteral("--oauth"),
                                                QStringLiteral("microsoft"), id,
                                                QStringLiteral("i")}
                                 << QStringLiteral("--oauth needs --user ADDRESS");
        QTest::newRow("password")
            << QStringList{QStringLiteral("x"),      QStringLiteral("--oauth"),
                           QStringLiteral("google"), id,
                           QStringLiteral("i"),      QStringLiteral("--user"),
                           QStringLiteral("a@b.c"),  QStringLiteral("--password-stdin")}
            << QStringLiteral("an OAuth account has no password");
        QTest::newRow("microsoft takes no oauthbearer")
            << QStringList{QStringLiteral("x"),           QStringLiteral("--oauth"),
                           QStringLiteral("microsoft"),   id,
                           QStringLiteral("i"),           QStringLiteral("--auth"),
                           QStringLiteral("oauthbearer"), QStringLiteral("--user"),
                           QStringLiteral("a@b.c")}
            << QStringLiteral("takes XOAUTH2");
        QTest::newRow("custom without endpoints")
            << QStringList{QStringLiteral("x"),      QStringLiteral("--oauth"),
                           QStringLiteral("custom"), id,
                           QStringLiteral("i"),      QStringLiteral("--host"),
                           QStringLiteral("h"),      QStringLiteral("--user"),
                           QStringLiteral("a@b.c")}
            << QStringLiteral("--oauth custom:");
        QTest::newRow("custom over plain http elsewhere")
            << QStringList{QStringLiteral("x"),
                           QStringLiteral("--oauth"),
                           QStringLiteral("custom"),
                           id,
                           QStringLiteral("i"),
                           QStringLiteral("--host"),
                           QStringLiteral("h"),
                           QStringLiteral("--user"),
                           QStringLiteral("a@b.c"),
                           QStringLiteral("--oauth-authorize-url"),
                           QStringLiteral("http://idp.example/authorize"),
                           QStringLiteral("--oauth-token-url"),
                           QStringLiteral("https://idp.example/token"),
                           QStringLiteral("--oauth-scope"),
                           QStringLiteral("smtp")}
            << QStringLiteral("--oauth custom:");
    }
    void addOAuthRefusals()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, words);
        const CommandRun r = f->run<AccountAdd>(args);
        QVERIFY2(r.is(Result::Usage), r.why());
        QVERIFY2(QString::fromUtf8(r.err).contains(words), r.why());
        QVERIFY(f->open()->accounts()->list().isEmpty());
    }

    // Outpost has no client id of its own: without the build's or the user's, it says how to
    // get one instead of borrowing another application's.
    void addOAuthWithoutAnyClientId()
    {
        if (oauthProviderPreset(QStringLiteral("microsoft"))->clientId.isEmpty()) {
            const CommandRun r = f->run<AccountAdd>(
                {QStringLiteral("ms"), QStringLiteral("--oauth"), QStringLiteral("microsoft"),
                 QStringLiteral("--user"), QStringLiteral("alice@outlook.com")});
            QVERIFY2(r.is(Result::Usage), r.why());
            QVERIFY2(r.err.contains("has no client id for Microsoft"), r.why());
            QVERIFY2(r.err.contains("--oauth-client-id"), r.why());
        }
    }

    // `account login` needs an OAuth account; without a keychain it says so and names the file.
    void loginRefusals()
    {
        QVERIFY(f->addAccount(QStringLiteral("plain")).is(Result::Ok));
        CommandRun r = f->run<AccountLogin>({QStringLiteral("plain")});
        QVERIFY2(r.is(Result::Usage), r.why());
        QVERIFY2(r.err.contains("does not sign in with OAuth"), r.why());
        r = f->run<AccountLogin>({QStringLiteral("nobody")});
        QVERIFY2(r.is(Result::NoSuchAccount), r.why());
    }

    void editChangesInPlaceAndKeepsTheMessages()
    {
        QVERIFY(f->addAccount(QStringLiteral("work")).is(Result::Ok));
        const qint64 id = f->queue(QStringLiteral("waiting"));
        QVERIFY(id > 0);
        CommandRun r = f->run<AccountEdit>({QStringLiteral("work"), QStringLiteral("--port"),
                                            QStringLiteral("2525"), QStringLiteral("--from"),
                                            QStringLiteral("Alice <alice@example.org>")});
        QVERIFY2(r.is(Result::Ok), r.why());
        QCOMPARE(r.out, QByteArray("Account \"work\" changed:\n"
                                   "  port: 9 -> 2525\n"
                                   "  from: alice@example.org -> Alice <alice@example.org>\n"));
        QCOMPARE(r.err, QByteArray());
        const auto service = f->open();
        const auto a = service->accounts()->find(QStringLiteral("work"));
        QCOMPARE(a->port, quint16(2525));
        QCOMPARE(a->from, QStringLiteral("Alice <alice@example.org>"));
        QCOMPARE(a->host, QStringLiteral("127.0.0.1")); // what was not given stays
        QCOMPARE(service->outbox()->summary(id)->state, MessageState::Queued);
    }

    void editSecurityMovesTheUsualPort()
    {
        QVERIFY(f->run<AccountAdd>({QStringLiteral("work"), QStringLiteral("--host"),
                                    QStringLiteral("smtp.example.org")})
                    .is(Result::Ok));
        CommandRun r = f->run<AccountEdit>(
            {QStringLiteral("work"), QStringLiteral("--security"), QStringLiteral("tls")});
        QVERIFY2(r.is(Result::Ok), r.why());
        QCOMPARE(r.out, QByteArray("Account \"work\" changed:\n"
                                   "  security: starttls -> tls\n"
                                   "  port: 587 -> 465\n"));
        r = f->run<AccountEdit>({QStringLiteral("work"), QStringLiteral("--security"),
                                 QStringLiteral("starttls"), QStringLiteral("--port"),
                                 QStringLiteral("2587")});
        QVERIFY2(r.is(Result::Ok), r.why());
        QCOMPARE(f->open()->accounts()->find(QStringLiteral("work"))->port, quint16(2587));
        r = f->run<AccountEdit>(
            {QStringLiteral("work"), QStringLiteral("--port"), QStringLiteral("2587")});
        QVERIFY2(r.is(Result::Ok), r.why());
        QCOMPARE(r.out, QByteArray("Account \"work\" unchanged: it already has these settings.\n"));
    }

    void editRefusals()
    {
        QVERIFY(f->addAccount(QStringLiteral("work")).is(Result::Ok));
        CommandRun r = f->run<AccountEdit>({QStringLiteral("work")});
        QVERIFY2(r.is(Result::Usage), r.why());
        QVERIFY2(r.err.contains("say what to change"), r.err.constData());
        r = f->run<AccountEdit>(
            {QStringLiteral("nosuch"), QStringLiteral("--port"), QStringLiteral("25")});
        QVERIFY2(r.is(Result::NoSuchAccount), r.why());
        r = f->run<AccountEdit>(
            {QStringLiteral("work"), QStringLiteral("--port"), QStringLiteral("70000")});
        QVERIFY2(r.is(Result::Usage), r.why());
        r = f->run<AccountEdit>(
            {QStringLiteral("work"), QStringLiteral("--pin-sha256"), QStringLiteral("abc")});
        QVERIFY2(r.is(Result::NotStored), r.why());
        QVERIFY2(r.err.contains("64 hex digits"), r.err.constData());
        r = f->run<AccountEdit>(
            {QStringLiteral("work"), QStringLiteral("--from"), QStringLiteral("not an address")});
        QVERIFY2(r.is(Result::BadInput), r.why());
        QCOMPARE(f->open()->accounts()->find(QStringLiteral("work"))->port, quint16(9));
    }

    void editReleasesAPauseItFixes()
    {
        QVERIFY(f->addAccount(QStringLiteral("work")).is(Result::Ok));
        const qint64 id = f->queue(QStringLiteral("waiting"));
        {
            const auto service = f->open();
            service->accounts()->setPaused(QStringLiteral("work"), true,
                                           QStringLiteral("certificate"), QStringLiteral("x"));
            QCOMPARE(service->storage()->writeNow(&OutboxWriter::holdAccount,
                                                  QStringLiteral("work"), ErrorClass::Certificate,
                                                  SmtpReply{}, QStringLiteral("not trusted")),
                     1);
        }
        // The From address has nothing to do with an untrusted certificate: still paused.
        CommandRun r = f->run<AccountEdit>(
            {QStringLiteral("work"), QStringLiteral("--from"), QStringLiteral("a@example.org")});
        QVERIFY2(r.is(Result::Ok), r.why());
        QVERIFY2(r.err.contains("account \"work\" stays paused"), r.err.constData());
        QCOMPARE(f->open()->outbox()->summary(id)->state, MessageState::Held);
        QVERIFY(f->open()->accounts()->isPaused(QStringLiteral("work")));

        r = f->run<AccountEdit>({QStringLiteral("work"), QStringLiteral("--pin-sha256"),
                                 QString(64, QLatin1Char('a'))});
        QVERIFY2(r.is(Result::Ok), r.why());
        QVERIFY2(r.out.endsWith("The account is no longer paused; 1 held message(s) queued "
                                "again.\n"),
                 r.out.constData());
        const auto service = f->open();
        QVERIFY(!service->accounts()->isPaused(QStringLiteral("work")));
        QCOMPARE(service->outbox()->summary(id)->state, MessageState::Queued);
    }

    void editPasswordReleasesALoginPause()
    {
        QVERIFY(f->addAccount(QStringLiteral("work"), 9,
                              {QStringLiteral("--user"), QStringLiteral("alice")})
                    .is(Result::Ok));
        const qint64 id = f->queue(QStringLiteral("waiting"));
        {
            const auto service = f->open();
            service->accounts()->setPaused(QStringLiteral("work"), true, QStringLiteral("auth"));
            service->storage()->writeNow(&OutboxWriter::holdAccount, QStringLiteral("work"),
                                         ErrorClass::Auth, SmtpReply{}, QString());
        }
        CommandRun r = f->run<AccountEdit>(
            {QStringLiteral("work"), QStringLiteral("--password-stdin")}, "n3w\n");
        QVERIFY2(r.is(Result::Ok), r.why());
        QCOMPARE(r.out, QByteArray("The new password is kept in the system keychain.\n"
                                   "The account is no longer paused; 1 held message(s) queued "
                                   "again.\n"));
        QString secret;
        f->credentials.readPassword(QStringLiteral("work"),
                                    [&](bool, const QString &s, const QString &) { secret = s; });
        QCOMPARE(secret, QStringLiteral("n3w"));
        QCOMPARE(f->open()->outbox()->summary(id)->state, MessageState::Queued);
    }

    // Gmail's preset signs in with OAuth: --auto --yes makes the account `--oauth google` would
    // (so `account login` works), and without any client id says how to get one, saving
    // nothing.
    void autoWithAnOAuthPresetMakesAnOAuthAccount()
    {
        DiscoveryOptions o;
        o.useProbe = false;
        o.stepTimeoutMs = 2000;
        o.nameserver = QHostAddress(QStringLiteral("127.0.0.2"));
        f->discovery = &o;
        const QStringList args = {QStringLiteral("gm"), QStringLiteral("--address"),
                                  QStringLiteral("someone@gmail.com"), QStringLiteral("--auto"),
                                  QStringLiteral("--yes")};
        CommandRun r;
        if (oauthProviderPreset(QStringLiteral("google"))->clientId.isEmpty()) {
            r = f->run<AccountAdd>(args);
            QVERIFY2(r.is(Result::Usage), r.why());
            QVERIFY2(r.err.contains("not saved: this build of Outpost has no client id for "
                                    "google"),
                     r.err.constData());
            QVERIFY(!f->open()->accounts()->find(QStringLiteral("gm")));
            // Without --yes: the command to accept keeps every option given (the secret too)
            // and adds the client id it still needs.
            r = f->run<AccountAdd>(args.mid(0, 4) +
                                   QStringList{QStringLiteral("--from"),
                                               QStringLiteral("Some One <someone@gmail.com>"),
                                               QStringLiteral("--oauth-client-secret"),
                                               QStringLiteral("s")});
            QVERIFY2(r.is(Result::Usage), r.why());
            QVERIFY2(r.out.contains("  outpost account add gm --address someone@gmail.com --auto "
                                    "--from 'Some One <someone@gmail.com>' "
                                    "--oauth-client-secret s --oauth-client-id ID --yes\n"),
                     r.out.constData());
        }
        r = f->run<AccountAdd>(args + QStringList{QStringLiteral("--oauth-client-id"),
                                                  QStringLiteral("id.apps.googleusercontent.com")});
        QVERIFY2(r.is(Result::Ok), r.why());
        QVERIFY2(r.out.contains("outpost account login gm"), r.out.constData());
        const auto a = f->open()->accounts()->find(QStringLiteral("gm"));
        QVERIFY(a);
        QCOMPARE(a->host, QStringLiteral("smtp.gmail.com"));
        QCOMPARE(a->auth, QStringLiteral("xoauth2"));
        QCOMPARE(a->oauth.provider, QStringLiteral("google"));
        QCOMPARE(a->oauth.clientId, QStringLiteral("id.apps.googleusercontent.com"));
        QCOMPARE(a->user, QStringLiteral("someone@gmail.com"));
        // Gmail files what is submitted in Sent itself: its IMAP server is set for the check
        // of an uncertain delivery, and auto makes no copy of ours.
        QVERIFY2(r.out.contains("  imap:     imap.gmail.com port 993, tls\n"
                                "            the provider keeps sent mail itself, so Outpost "
                                "makes no copy; used to look for a message whose delivery is "
                                "uncertain\n"),
                 r.out.constData());
        QCOMPARE(a->imapHost, QStringLiteral("imap.gmail.com"));
        QCOMPARE(a->sentCopy, SentCopy::Auto);
        QVERIFY(!sentCopyEffective(*a));
        // `account login` takes it as an OAuth account (it fails later only for the browser).
        r = f->run<AccountLogin>({QStringLiteral("gm"), QStringLiteral("--no-browser"),
                                  QStringLiteral("--timeout"), QStringLiteral("1")});
        QVERIFY2(!r.err.contains("does not sign in with OAuth"), r.err.constData());
    }

    void autoUsesAPresetAndSavesOnlyWithYes()
    {
        DiscoveryOptions o;
        o.useProbe = false;
        o.stepTimeoutMs = 2000;
        o.nameserver = QHostAddress(QStringLiteral("127.0.0.2"));
        f->discovery = &o;
        const QStringList args = {QStringLiteral("mail"), QStringLiteral("--address"),
                                  QStringLiteral("alice@posteo.de"), QStringLiteral("--auto")};
        CommandRun r = f->run<AccountAdd>(args);
        QVERIFY2(r.is(Result::Usage), r.why());
        QCOMPARE(r.out,
                 QByteArray("Found settings for alice@posteo.de from Outpost's built-in settings "
                            "for Posteo:\n"
                            "  server:   posteo.de port 465, tls\n"
                            "  login:    alice@posteo.de with the account's password\n"
                            "  from:     alice@posteo.de\n"
                            "  imap:     posteo.de port 993, tls\n"
                            "            a copy of each sent message goes to its Sent folder\n"
                            "  help:     https://posteo.de/en/help/"
                            "how-do-i-set-up-posteo-in-an-email-client-pop3-imap-and-smtp\n"
                            "Not saved. If these are right, save them with --yes:\n"
                            "  outpost account add mail --address alice@posteo.de --auto --yes\n"
                            "or give them yourself with --host, --port and --security instead "
                            "of --auto.\n"));
        QVERIFY(!f->open()->accounts()->find(QStringLiteral("mail")));

        r = f->run<AccountAdd>(
            args + QStringList{QStringLiteral("--yes"), QStringLiteral("--password-stdin")},
            "s3cret\n");
        QVERIFY2(r.is(Result::Ok), r.why());
        const auto a = f->open()->accounts()->find(QStringLiteral("mail"));
        QVERIFY(a);
        QCOMPARE(a->host, QStringLiteral("posteo.de"));
        QCOMPARE(a->port, quint16(465));
        QCOMPARE(a->security, Security::Tls);
        QCOMPARE(a->user, QStringLiteral("alice@posteo.de"));
        QCOMPARE(a->imapHost, QStringLiteral("posteo.de"));
        QCOMPARE(a->effectiveImapPort(), quint16(993));
        QCOMPARE(a->imapSecurity, Security::Tls);
        QVERIFY(a->imapUser.isEmpty());
        QCOMPARE(a->sentCopy, SentCopy::Auto);
        QString secret;
        f->credentials.readPassword(QStringLiteral("mail"),
                                    [&](bool, const QString &s, const QString &) { secret = s; });
        QCOMPARE(secret, QStringLiteral("s3cret"));

        r = f->run<AccountAdd>({QStringLiteral("x"), QStringLiteral("--auto")});
        QVERIFY2(r.is(Result::Usage), r.why());
        QCOMPARE(r.err, QByteArray("outpost: --auto needs --address ADDR\n"));
        r = f->run<AccountAdd>(args + QStringList{QStringLiteral("--host"), QStringLiteral("h")});
        QVERIFY2(r.is(Result::Usage), r.why());
    }

    void listShowsTheDefaultAndPausedAccounts()
    {
        QVERIFY(f->addAccount(QStringLiteral("work")).is(Result::Ok));
        QVERIFY(f->addAccount(QStringLiteral("home")).is(Result::Ok));
        f->open()->accounts()->setPaused(QStringLiteral("home"), true);
        CommandRun r = f->run<AccountList>({});
        QVERIFY2(r.is(Result::Ok), r.why());
        QVERIFY2(r.out.contains("work (default)\t127.0.0.1:9\tnone\tno auth\n"), r.out.constData());
        QVERIFY2(r.out.contains("home\t127.0.0.1:9\tnone\tno auth\tPAUSED\n"), r.out.constData());
        r = f->run<AccountList>({QStringLiteral("--json")});
        QVERIFY2(r.is(Result::Ok), r.why());
        const QJsonArray accounts = QJsonDocument::fromJson(r.out).array();
        QCOMPARE(accounts.size(), 2);
        for (const QJsonValue &a : accounts) {
            const bool home = a[QLatin1String("name")].toString() == QLatin1String("home");
            QCOMPARE(a[QLatin1String("paused")].toBool(), home);
            QCOMPARE(a[QLatin1String("default")].toBool(), !home);
        }
        r = f->run<AccountList>({QStringLiteral("stray")});
        QVERIFY2(r.is(Result::Usage), r.why());
    }

    void removeRefusesWhileMessagesWait()
    {
        QVERIFY(f->addAccount(QStringLiteral("work")).is(Result::Ok));
        const qint64 id = f->queue(QStringLiteral("waiting"));
        QVERIFY(id > 0);
        CommandRun r = f->run<AccountRemove>({QStringLiteral("work")});
        QVERIFY2(r.is(Result::AccountHasMail), r.why());
        QCOMPARE(exitCode(*r.result), 65);
        QVERIFY(r.err.contains("still has 1 message(s) not sent"));
        r = f->run<AccountRemove>({QStringLiteral("work"), QStringLiteral("--force")});
        QVERIFY2(r.is(Result::Ok), r.why());
        QVERIFY(r.err.contains("1 message(s) of account \"work\" failed"));
        const auto service = f->open();
        QVERIFY(!service->accounts()->find(QStringLiteral("work")));
        QCOMPARE(service->outbox()->summary(id)->state, MessageState::Failed);
        r = f->run<AccountRemove>({QStringLiteral("work")});
        QVERIFY2(r.is(Result::NoSuchAccount), r.why());
        QCOMPARE(
            r.err,
            QByteArray("outpost: no account named \"work\" (outpost account list shows them)\n"));
    }

    void defaultChangesTheDefault()
    {
        QVERIFY(f->addAccount(QStringLiteral("work")).is(Result::Ok));
        QVERIFY(f->addAccount(QStringLiteral("home")).is(Result::Ok));
        CommandRun r = f->run<AccountDefault>({QStringLiteral("home")});
        QVERIFY2(r.is(Result::Ok), r.why());
        QCOMPARE(f->open()->accounts()->defaultAccount(), QStringLiteral("home"));
        r = f->run<AccountDefault>({QStringLiteral("nosuch")});
        QVERIFY2(r.is(Result::NoSuchAccount), r.why());
        QCOMPARE(exitCode(*r.result), 78);
        r = f->run<AccountDefault>({});
        QVERIFY2(r.is(Result::Usage), r.why());
        QCOMPARE(r.err, QByteArray("outpost: usage: outpost account default NAME\n"));
    }

    void testReportsWhatTheServerSaid()
    {
        testsupport::MiniSmtpServer server;
        server.keywords = {"AUTH PLAIN"};
        server.authReply = "535 5.7.8 Authentication credentials invalid";
        QString error;
        QVERIFY2(server.start(&error), qPrintable(error));
        QVERIFY(f->addAccount(QStringLiteral("work"), server.port(),
                              {QStringLiteral("--user"), QStringLiteral("alice"),
                               QStringLiteral("--password-command"), QStringLiteral("echo wrong"),
                               QStringLiteral("--auth"), QStringLiteral("plain"),
                               QStringLiteral("--allow-plain-auth")})
                    .is(Result::Ok));
        CommandRun r = f->run<AccountTest>({QStringLiteral("work")});
        QVERIFY2(r.is(Result::AuthRefused), r.why());
        QCOMPARE(exitCode(*r.result), 77);
        QCOMPARE(r.err, QByteArray("outpost: The server did not accept the login (user name or "
                                   "password). Server said: \"535 5.7.8 Authentication "
                                   "credentials invalid\".\n"));
        QVERIFY(!f->open()->accounts()->isPaused(QStringLiteral("work"))); // a test pauses nothing

        server.authReply = "235 2.7.0 Authentication successful";
        r = f->run<AccountTest>({QStringLiteral("work")});
        QVERIFY2(r.is(Result::Ok), r.why());
        QVERIFY2(r.out.contains("OK: connected, EHLO accepted, ready to send.\nCapabilities:\n"),
                 r.out.constData());

        r = f->run<AccountTest>({QStringLiteral("nosuch")});
        QVERIFY2(r.is(Result::NoSuchAccount), r.why());
    }
};

QTEST_GUILESS_MAIN(TestAccountCommands)
#include "tst_cmd_account.moc"
