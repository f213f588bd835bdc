// OAuth 2.0 sign-in wired into accounts and sending, end to end: the `outpost` binary (and a
// Service in this process where the test must act between two sessions) against
// oauth_provider.py (our own authorization server, plain HTTP on 127.0.0.1) and Debian's
// Dovecot submission server, whose oauth2 passdb checks every token at the provider's
// introspection endpoint and relays what it accepts to an SMTP sink (smtpd.py). The test plays
// the browser: it GETs the authorization URL `account login` prints and follows the provider's
// redirect to the loopback listener. Root only (Dovecot switches users). Never sleeps.

#include "OutboxPeek.h"
#include "RealServers.h"
#include "ServerProcess.h"

#include "accounts/AccountStore.h"
#include "accounts/CredentialStore.h"
#include "accounts/Settings.h"
#include "outbox/Service.h"
#include "storage/OutboxReader.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QUrlQuery>

#include <memory>

#include <pwd.h>

using namespace outpost;
using namespace outpost::test;

namespace {

const QString kAccount = QStringLiteral("mail");
const QString kUser = QStringLiteral("alice@example.org");

/// oauth_provider.py over plain HTTP (allowed to a loopback address); first line: its port.
class Provider
{
public:
    bool start()
    {
        m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_process.start(QStringLiteral("/usr/bin/python3"),
                        {sourceDir() + QStringLiteral("/tests/integration/oauth_provider.py")});
        if (!m_process.waitForStarted(10000) || !m_process.waitForReadyRead(20000))
            return false;
        m_port = quint16(m_process.readLine().trimmed().toUInt());
        return m_port != 0;
    }
    ~Provider()
    {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
    QString url(const QString &path) const
    {
        return QStringLiteral("http://127.0.0.1:%1%2").arg(m_port).arg(path);
    }

private:
    QProcess m_process;
    quint16 m_port = 0;
};

/// One HTTP answer the test's browser got.
struct Page
{
    int status = 0;
    QUrl location;
    QByteArray body;
};

/// The test's browser: follows no redirect by itself.
class Browser
{
public:
    Page get(const QUrl &url) { return run(m_nam.get(request(url))); }
    QJsonObject control(const QJsonObject &change, const QString &url)
    {
        QNetworkRequest r = request(QUrl(url));
        r.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
        return QJsonDocument::fromJson(
                   run(m_nam.post(r, QJsonDocument(change).toJson(QJsonDocument::Compact))).body)
            .object();
    }
    QJsonObject state(const QString &url)
    {
        return QJsonDocument::fromJson(get(QUrl(url)).body).object();
    }
    /// RFC 7662 introspection of `token` at `url`: whether the provider holds it active.
    bool active(const QString &token, const QString &url)
    {
        QNetworkRequest r = request(QUrl(url));
        r.setHeader(QNetworkRequest::ContentTypeHeader,
                    QByteArrayLiteral("application/x-www-form-urlencoded"));
        const QByteArray body = "token=" + QUrl::toPercentEncoding(token);
        return QJsonDocument::fromJson(run(m_nam.post(r, body)).body)
            .object()
            .value(QStringLiteral("active"))
            .toBool();
    }

private:
    static QNetworkRequest request(const QUrl &url)
    {
        QNetworkRequest r(url);
        r.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                       QNetworkRequest::ManualRedirectPolicy);
        r.setTransferTimeout(20000);
        return r;
    }
    Page run(QNetworkReply *reply)
    {
        std::unique_ptr<QNetworkReply> owner(reply);
        QSignalSpy done(reply, &QNetworkReply::finished);
        if (!reply->isFinished())
            done.wait(30000);
        Page p;
        p.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        p.location = reply->header(QNetworkRequest::LocationHeader).toUrl();
        p.body = reply->readAll();
        return p;
    }
    QNetworkAccessManager m_nam;
};

/// Dovecot's submission and IMAP servers by realservers/dovecot-submission.sh, one oauth2
/// passdb for both.
class SubmissionServer
{
public:
    bool start(const QString &introspectUrl, quint16 relayPort)
    {
        QString why;
        const QString cache = realServerCache(&why);
        if (cache.isEmpty()) {
            m_error = why;
            return false;
        }
        const QList<quint16> ports = freePorts(4);
        if (ports.size() != 4)
            return false;
        m_port = ports[0];
        m_imapPort = ports[2];
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("OUTPOST_REALSERVERS"), cache);
        env.insert(QStringLiteral("DOVECOT_INTROSPECT_URL"), introspectUrl);
        env.insert(QStringLiteral("DOVECOT_RELAY_PORT"), QString::number(relayPort));
        env.insert(QStringLiteral("DOVECOT_IMAP_PORTS"),
                   QStringLiteral("%1,%2").arg(ports[2]).arg(ports[3]));
        m_process.setProcessEnvironment(env);
        m_process.start(
            QStringLiteral("bash"),
            {sourceDir() + QStringLiteral("/tests/integration/realservers/dovecot-submission.sh"),
             m_dir.path(), QString::number(ports[0]), QString::number(ports[1])});
        if (!m_process.waitForStarted(10000))
            return false;
        QElapsedTimer t;
        t.start();
        while (!m_process.canReadLine() && m_process.state() == QProcess::Running &&
               t.elapsed() < 120000)
            m_process.waitForReadyRead(1000);
        if (m_process.readLine().trimmed() != "ready") {
            m_process.waitForFinished(2000);
            m_error = QString::fromUtf8(m_process.readAllStandardError());
            return false;
        }
        return true;
    }
    QString error() const { return m_error; }
    quint16 port() const { return m_port; }
    /// The IMAP port (STARTTLS).
    quint16 imapPort() const { return m_imapPort; }
    /// The message files of `user`'s Sent folder.
    QStringList sentFiles(const QString &user) const
    {
        QStringList out;
        for (const char *sub : {"cur", "new"}) {
            const QDir d(m_dir.filePath(QStringLiteral("home/%1/Maildir/.Sent/").arg(user) +
                                        QLatin1String(sub)));
            for (const QString &f : d.entryList(QDir::Files, QDir::Name))
                out << d.filePath(f);
        }
        return out;
    }
    /// Files `message` into `user`'s Sent folder as the provider's own copy would be (a new
    /// Maildir file, owned by the mail user, which Dovecot picks up at its next look).
    bool fileIntoSent(const QString &user, const QByteArray &message) const
    {
        const QString path =
            m_dir.filePath(QStringLiteral("home/%1/Maildir/.Sent/new/provider-copy.%2")
                               .arg(user)
                               .arg(QDateTime::currentMSecsSinceEpoch()));
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly) || f.write(message) != message.size())
            return false;
        f.close();
        const struct passwd *pw = getpwnam("mail");
        return pw && ::chown(QFile::encodeName(path).constData(), pw->pw_uid, pw->pw_gid) == 0;
    }
    /// Dovecot's log.
    QByteArray log() const
    {
        QFile f(m_dir.filePath(QStringLiteral("dovecot.log")));
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }
    ~SubmissionServer()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.terminate();
        if (!m_process.waitForFinished(15000)) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }

private:
    QTemporaryDir m_dir;
    QProcess m_process;
    quint16 m_port = 0;
    quint16 m_imapPort = 0;
    QString m_error;
};

/// `outpost account login` running in the background, the URL it printed read as it comes.
class Login
{
public:
    void start(const QString &dataDir, const QStringList &extra)
    {
        m_process.setProcessEnvironment(cliEnvironment());
        m_process.start(outpostBinary(),
                        QStringList{QStringLiteral("--data-dir"), dataDir,
                                    QStringLiteral("account"), QStringLiteral("login"), kAccount} +
                            extra);
        m_process.waitForStarted(10000);
        m_process.closeWriteChannel();
    }
    /// The authorization URL it printed (the line starting with http), or empty.
    QUrl authorizationUrl()
    {
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < 30000) {
            while (m_process.canReadLine()) {
                const QByteArray line = m_process.readLine().trimmed();
                m_out += line + '\n';
                if (line.startsWith("http"))
                    return QUrl(QString::fromLatin1(line));
            }
            if (m_process.state() != QProcess::Running)
                return {};
            m_process.waitForReadyRead(1000);
        }
        return {};
    }
    /// The first line of output containing `needle`, or empty after 30 s or at the end.
    QByteArray lineWith(const QByteArray &needle)
    {
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < 30000) {
            while (m_process.canReadLine()) {
                const QByteArray line = m_process.readLine().trimmed();
                m_out += line + '\n';
                if (line.contains(needle))
                    return line;
            }
            if (m_process.state() != QProcess::Running)
                return {};
            m_process.waitForReadyRead(1000);
        }
        return {};
    }
    /// Waits for the end: the exit code, -1 when it did not end in time.
    int wait(int ms = 60000)
    {
        // It may have ended already, while the test's browser waited for its page.
        if (m_process.state() != QProcess::NotRunning && !m_process.waitForFinished(ms))
            return -1;
        m_out += m_process.readAllStandardOutput();
        m_err = m_process.readAllStandardError();
        return m_process.exitCode();
    }
    QByteArray output() const { return m_out + "\nstderr: " + m_err; }
    QByteArray err() const { return m_err; }
    ~Login()
    {
        m_process.kill();
        m_process.waitForFinished(5000);
    }

private:
    QProcess m_process;
    QByteArray m_out;
    QByteArray m_err;
};

QByteArray message(const QByteArray &tag)
{
    return "From: alice@example.org\r\nTo: bob@example.net\r\nSubject: " + tag +
           "\r\nMessage-ID: <" + tag +
           "@outpost.test>\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\nbody\r\n";
}

/// The grant types of the token requests the provider saw, in order.
QStringList grants(const QJsonObject &state)
{
    QStringList out;
    for (const QJsonValue &v : state.value(QStringLiteral("grants")).toArray())
        out << v.toString();
    return out;
}

} // namespace

class TestOAuthSend : public QObject
{
    Q_OBJECT

private:
    Provider m_provider;
    SmtpServer m_sink;
    std::unique_ptr<SubmissionServer> m_dovecot;
    Browser m_browser;
    QTemporaryDir m_data;
    MemoryCredentialStore m_credentials;

    QString dir() const { return m_data.path(); }
    QJsonObject control(const QJsonObject &change)
    {
        return m_browser.control(change, m_provider.url(QStringLiteral("/control")));
    }
    int tokenRequests() { return providerState().value(QStringLiteral("token_requests")).toInt(); }
    QJsonObject providerState()
    {
        return m_browser.state(m_provider.url(QStringLiteral("/control")));
    }
    /// `account login` played through: the browser consents, the loopback gets the code.
    /// Returns the exit code; `tamper` changes the state on the way back.
    int signIn(QByteArray *output = nullptr, bool tamper = false)
    {
        Login login;
        login.start(dir(), {QStringLiteral("--no-browser"), QStringLiteral("--token-file"),
                            QStringLiteral("--timeout"), QStringLiteral("60")});
        const QUrl authorize = login.authorizationUrl();
        if (authorize.isEmpty()) {
            login.wait();
            if (output)
                *output = login.output();
            return -2;
        }
        const Page consent = m_browser.get(authorize);
        QUrl back = consent.location;
        if (tamper) {
            QUrlQuery q(back);
            q.removeAllQueryItems(QStringLiteral("state"));
            q.addQueryItem(QStringLiteral("state"), QStringLiteral("not-the-state"));
            back.setQuery(q);
        }
        m_browser.get(back);
        const int code = login.wait();
        if (output)
            *output = login.output();
        return code;
    }
    RunResult flush() { return runOutpost(dir(), {QStringLiteral("flush")}, {}, 120000); }
    RunResult queue(const QByteArray &tag)
    {
        return runOutpost(dir(),
                          {QStringLiteral("queue"), QStringLiteral("--eml"), QStringLiteral("-")},
                          message(tag));
    }
    QString tokenFile() const
    {
        return dir() + QStringLiteral("/oauth/") + kAccount + QStringLiteral(".token");
    }
    /// The refresh token kept in the token file ("" when there is none).
    QString storedToken() const
    {
        QFile f(tokenFile());
        return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll().trimmed()) : QString();
    }
    bool activeAtProvider(const QString &token)
    {
        return m_browser.active(token, m_provider.url(QStringLiteral("/introspect")));
    }
    /// A Service in this process on the test's data folder (refresh tokens in files, no
    /// keychain), opened; null (with a warning) when it cannot be opened.
    std::unique_ptr<Service> openService()
    {
        ServiceOptions o;
        o.dataDir = dir();
        o.credentials = &m_credentials;
        o.singleInstance = false;
        auto service = std::make_unique<Service>(o);
        QString error;
        if (!service->open(&error)) {
            qWarning("the service did not open: %s", qPrintable(error));
            return nullptr;
        }
        return service;
    }
    RunResult account(const QString &verb)
    {
        return runOutpost(dir(), {QStringLiteral("account"), verb, kAccount}, {}, 120000);
    }

private slots:
    void initTestCase()
    {
        if (geteuid() != 0)
            QSKIP("Dovecot's submission server needs root (it switches users)");
        QVERIFY(m_provider.start());
        QVERIFY(m_sink.start({}));
        m_dovecot = std::make_unique<SubmissionServer>();
        QVERIFY2(m_dovecot->start(m_provider.url(QStringLiteral("/introspect")), m_sink.port()),
                 qPrintable(m_dovecot->error()));
        const RunResult added = runOutpost(dir(), {QStringLiteral("account"),
                                                   QStringLiteral("add"),
                                                   kAccount,
                                                   QStringLiteral("--oauth"),
                                                   QStringLiteral("custom"),
                                                   QStringLiteral("--oauth-client-id"),
                                                   QStringLiteral("outpost-test-client"),
                                                   QStringLiteral("--oauth-authorize-url"),
                                                   m_provider.url(QStringLiteral("/authorize")),
                                                   QStringLiteral("--oauth-token-url"),
                                                   m_provider.url(QStringLiteral("/token")),
                                                   QStringLiteral("--oauth-revoke-url"),
                                                   m_provider.url(QStringLiteral("/revoke")),
                                                   QStringLiteral("--oauth-device-url"),
                                                   m_provider.url(QStringLiteral("/device")),
                                                   QStringLiteral("--oauth-scope"),
                                                   QStringLiteral("smtp offline_access"),
                                                   QStringLiteral("--auth"),
                                                   QStringLiteral("xoauth2"),
                                                   QStringLiteral("--user"),
                                                   kUser,
                                                   QStringLiteral("--host"),
                                                   QStringLiteral("localhost"),
                                                   QStringLiteral("--port"),
                                                   QString::number(m_dovecot->port()),
                                                   QStringLiteral("--security"),
                                                   QStringLiteral("starttls"),
                                                   QStringLiteral("--ca-file"),
                                                   SmtpServer::caPath(),
                                                   QStringLiteral("--from"),
                                                   kUser});
        QVERIFY2(added.exitCode == 0, added.err.constData());
        QVERIFY(added.out.contains("outpost account login mail"));
    }

    /// Before any sign-in a flush holds the message as "sign in again", asks nothing.
    void notSignedInHolds()
    {
        QCOMPARE(queue("before-login").exitCode, 0);
        const RunResult f = flush();
        QCOMPARE(f.exitCode, 75);
        QCOMPARE(grants(providerState()), QStringList());
        const RunResult status =
            runOutpost(dir(), {QStringLiteral("status"), QStringLiteral("--json")});
        const QJsonObject root = QJsonDocument::fromJson(status.out).object();
        const QJsonArray accounts = root.value(QStringLiteral("accounts")).toArray();
        QCOMPARE(accounts.size(), 1);
        const QJsonObject account = accounts.at(0).toObject();
        QCOMPARE(account[QStringLiteral("needs_sign_in")].toBool(), true);
        QVERIFY(runOutpost(dir(), {QStringLiteral("status")}).out.contains("sign in again"));
    }

    /// The first sign-in: PKCE, the code through the loopback, the refresh token in a file
    /// only the user can read (no keychain here), the held message released and sent.
    void firstSignInThenSend()
    {
        QByteArray out;
        const int code = signIn(&out);
        QVERIFY2(code == 0, out.constData());
        QVERIFY2(out.contains("signed in"), out.constData());
        QCOMPARE(grants(providerState()), QStringList{QStringLiteral("authorization_code")});
        QFile token(tokenFile());
        QVERIFY(token.exists());
        QCOMPARE(token.permissions() &
                     (QFile::ReadGroup | QFile::ReadOther | QFile::WriteGroup | QFile::WriteOther),
                 QFile::Permissions());
        QVERIFY(token.open(QIODevice::ReadOnly));
        const QByteArray refresh = token.readAll().trimmed();
        QVERIFY(!refresh.isEmpty());

        const RunResult f =
            runOutpost(dir(), {QStringLiteral("flush"), QStringLiteral("--verbose")}, {}, 120000);
        QVERIFY2(f.exitCode == 0, (f.out + f.err).constData());
        QCOMPARE(deliveredIds(m_sink).value("before-login@outpost.test"), 1);
        QCOMPARE(grants(providerState()), (QStringList{QStringLiteral("authorization_code"),
                                                       QStringLiteral("refresh_token")}));
        // The refresh token is in no log and not in the outbox database.
        QVERIFY(!(f.out + f.err).contains(refresh));
        QFile db(dir() + QStringLiteral("/outbox.sqlite"));
        QVERIFY(db.open(QIODevice::ReadOnly));
        QVERIFY(!db.readAll().contains(refresh));
        QVERIFY2((f.out + f.err).contains("AUTH XOAUTH2 <redacted>") ||
                     !(f.out + f.err).contains("AUTH XOAUTH2 "),
                 (f.out + f.err).constData());
    }

    /// Access tokens live in memory only: the next flush (a new process, every token expired
    /// meanwhile) refreshes once (with rotation: the file holds the new one) and sends.
    void expiredBetweenFlushes()
    {
        const QByteArray before = [&] {
            QFile f(tokenFile());
            return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
        }();
        control({{QStringLiteral("expire_access"), true}});
        QCOMPARE(queue("after-expiry").exitCode, 0);
        const RunResult f = flush();
        QVERIFY2(f.exitCode == 0, (f.out + f.err).constData());
        QCOMPARE(deliveredIds(m_sink).value("after-expiry@outpost.test"), 1);
        QCOMPARE(grants(providerState()).count(QStringLiteral("refresh_token")), 2);
        QFile after(tokenFile());
        QVERIFY(after.open(QIODevice::ReadOnly));
        QVERIFY(after.readAll() != before); // rotated, and kept
    }

    /// 20 messages over a pool of 4 sessions: exactly one token request for all of them.
    void twentyQueuedOneTokenRequest()
    {
        QCOMPARE(runOutpost(dir(), {QStringLiteral("config"), QStringLiteral("set"),
                                    QStringLiteral("--account"), kAccount,
                                    QStringLiteral("pool.max_per_server"), QStringLiteral("4")})
                     .exitCode,
                 0);
        QCOMPARE(runOutpost(dir(), {QStringLiteral("config"), QStringLiteral("set"),
                                    QStringLiteral("--account"), kAccount,
                                    QStringLiteral("pool.max_messages"), QStringLiteral("5")})
                     .exitCode,
                 0);
        for (int i = 1; i <= 20; ++i)
            QCOMPARE(queue("pool-" + QByteArray::number(i)).exitCode, 0);
        const int before = tokenRequests();
        const RunResult f = flush();
        QVERIFY2(f.exitCode == 0, (f.out + f.err).constData());
        const QHash<QByteArray, int> got = deliveredIds(m_sink);
        for (int i = 1; i <= 20; ++i)
            QCOMPARE(got.value("pool-" + QByteArray::number(i) + "@outpost.test"), 1);
        QCOMPARE(tokenRequests(), before + 1);
        // Four sessions at least (5 messages each), each authenticated with the one token.
        QVERIFY(m_dovecot->log().count("method=XOAUTH2") >= 4);
    }

    /// The server refuses a token mid-way (revoked before its time): one refresh, the message
    /// sent on a new session, the attempt not counted. A Service in this process, so that the
    /// test can expire the token between two sessions.
    void refusedMidSession()
    {
        const std::unique_ptr<Service> owner = openService();
        QVERIFY(owner);
        Service &service = *owner;
        QString error;
        // One message per session: the second needs AUTH again.
        QVERIFY(service.settings()->set(kAccount, QStringLiteral("pool.max_messages"),
                                        QStringLiteral("1"), &error));
        auto sendOne = [&](const QByteArray &tag) -> qint64 {
            const Service::EnqueueResult r = service.enqueueRaw(kAccount, message(tag));
            if (!r.ok())
                return -1;
            service.flush();
            const qint64 id = r.id;
            [&] {
                QTRY_VERIFY_WITH_TIMEOUT(service.outbox()->summary(id)->state == MessageState::Sent,
                                         60000);
            }();
            return id;
        };
        const int before = tokenRequests();
        QVERIFY(sendOne("mid-1") > 0);
        QCOMPARE(tokenRequests(), before + 1);
        const qint64 refusedBefore = m_dovecot->log().count("auth failed");
        control({{QStringLiteral("expire_access"), true}}); // the server now refuses it
        const qint64 id = sendOne("mid-2");
        QVERIFY(id > 0);
        QCOMPARE(deliveredIds(m_sink).value("mid-2@outpost.test"), 1);
        QCOMPARE(tokenRequests(), before + 2);
        // Dovecot logs the refused session when it is closed.
        QTRY_COMPARE_WITH_TIMEOUT(m_dovecot->log().count("auth failed"), refusedBefore + 1, 10000);
        const auto summary = service.outbox()->summary(id);
        QCOMPARE(summary->attempts, 1); // the refused session did not count
        bool refusedNoted = false;
        const std::optional<MessageRecord> record = service.outbox()->message(id);
        QVERIFY(record);
        for (const HistoryEntry &h : record->history)
            refusedNoted = refusedNoted || h.event == HistoryEvent::TokenRefused;
        QVERIFY(refusedNoted);
        QVERIFY(!service.accounts()->isPaused(kAccount));
        QSignalSpy down(&service, &Service::shutdownFinished);
        service.shutdown(5000);
        QVERIFY(down.wait(10000));
    }

    /// The refresh token revoked: the account needs attention, its messages held (no storm of
    /// requests); signing in again releases them and they go.
    void revokedHeldThenReleased()
    {
        control({{QStringLiteral("revoke_all"), true}});
        QCOMPARE(queue("revoked-1").exitCode, 0);
        QCOMPARE(queue("revoked-2").exitCode, 0);
        const int before = tokenRequests();
        const RunResult f = flush();
        QCOMPARE(f.exitCode, 75);
        QVERIFY2(f.err.contains("sign in again"), f.err.constData());
        QCOMPARE(tokenRequests(), before + 1);
        const RunResult list =
            runOutpost(dir(), {QStringLiteral("list"), QStringLiteral("--state"),
                               QStringLiteral("held"), QStringLiteral("--json")});
        QCOMPARE(QJsonDocument::fromJson(list.out).array().size(), 2);
        const RunResult again = flush(); // nothing asked while the account waits for the user
        QCOMPARE(again.exitCode, 75);
        QCOMPARE(tokenRequests(), before + 1);

        QCOMPARE(signIn(), 0);
        const RunResult sent = flush();
        QVERIFY2(sent.exitCode == 0, (sent.out + sent.err).constData());
        QCOMPARE(deliveredIds(m_sink).value("revoked-1@outpost.test"), 1);
        QCOMPARE(deliveredIds(m_sink).value("revoked-2@outpost.test"), 1);
    }

    /// A browser that never comes back: a clean timeout, exit 75, nothing stored.
    void browserNeverCompletes()
    {
        control({{QStringLiteral("authorize"), QStringLiteral("hang")}});
        const QByteArray before = [&] {
            QFile f(tokenFile());
            return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
        }();
        Login login;
        login.start(dir(), {QStringLiteral("--no-browser"), QStringLiteral("--token-file"),
                            QStringLiteral("--timeout"), QStringLiteral("2")});
        const QUrl authorize = login.authorizationUrl();
        QVERIFY(!authorize.isEmpty());
        QCOMPARE(m_browser.get(authorize).status, 200); // a page that never redirects
        QCOMPARE(login.wait(), 75);
        QVERIFY2(login.err().contains("did not come back in time"), login.output().constData());
        QFile f(tokenFile());
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), before);
        control({{QStringLiteral("authorize"), QStringLiteral("consent")}});
    }

    /// A redirect whose `state` is not the one sent: refused (77), no code exchanged.
    void tamperedStateRefused()
    {
        const int before = tokenRequests();
        QByteArray out;
        QCOMPARE(signIn(&out, true), 77);
        QVERIFY2(out.contains("state"), out.constData());
        QCOMPARE(tokenRequests(), before);
    }

    /// `account test` of a signed-in OAuth account: one refresh (the rotated token kept), AUTH
    /// XOAUTH2 accepted by Dovecot with the fresh token, nothing sent; exit 0.
    void accountTestSignedIn()
    {
        const QString before = storedToken();
        QVERIFY(activeAtProvider(before));
        const int requests = tokenRequests();
        const qint64 logins = m_dovecot->log().count("method=XOAUTH2");
        const RunResult t = account(QStringLiteral("test"));
        QVERIFY2(t.exitCode == 0, (t.out + t.err).constData());
        QVERIFY2(t.out.contains("OK: connected"), t.out.constData());
        QCOMPARE(tokenRequests(), requests + 1);
        QCOMPARE(grants(providerState()).last(), QStringLiteral("refresh_token"));
        const QString after = storedToken();
        QVERIFY(after != before); // rotated (RFC 6749 §6) and kept
        QVERIFY(activeAtProvider(after));
        QVERIFY(!activeAtProvider(before));
        QTRY_COMPARE_WITH_TIMEOUT(m_dovecot->log().count("method=XOAUTH2"), logins + 1, 10000);
        QVERIFY(!(t.out + t.err).contains(after.toUtf8()));
    }

    /// `account login --device` (RFC 8628): the code and the URL printed; pending and
    /// slow_down answered by waiting (5 s more after slow_down, §3.5); the provider's user
    /// approves; signed in (exit 0) with a new refresh token, and a message goes out with it.
    void deviceLoginThenSend()
    {
        control({{QStringLiteral("device_interval"), 1},
                 {QStringLiteral("device_outcome"), QStringLiteral("pending")},
                 {QStringLiteral("device_script"), QJsonArray{QStringLiteral("slow_down")}}});
        const QString before = storedToken();
        const int pollsBefore = providerState().value(QStringLiteral("polls")).toArray().size();
        Login login;
        login.start(dir(), {QStringLiteral("--device"), QStringLiteral("--token-file")});
        const QByteArray line = login.lineWith("WDJB-MJHT");
        QVERIFY2(!line.isEmpty(), login.output().constData());
        QVERIFY2(line.contains(m_provider.url(QStringLiteral("/activate")).toUtf8()),
                 line.constData());
        QVERIFY(!login.lineWith("Waiting for you to approve").isEmpty());
        // slow_down, then pending: two polls, 5 s apart at least (1 s + 5 s).
        QTRY_VERIFY_WITH_TIMEOUT(providerState().value(QStringLiteral("polls")).toArray().size() >=
                                     pollsBefore + 2,
                                 30000);
        QCOMPARE(storedToken(), before); // nothing kept before the approval
        control({{QStringLiteral("device_approve"), true}});
        QCOMPARE(login.wait(), 0);
        QVERIFY2(login.output().contains("signed in"), login.output().constData());
        const QJsonObject state = providerState();
        const QJsonArray polls = state.value(QStringLiteral("polls")).toArray();
        QCOMPARE(polls.size(), pollsBefore + 3);
        QVERIFY(polls.at(pollsBefore + 1).toDouble() - polls.at(pollsBefore).toDouble() >= 5.9);
        QCOMPARE(
            grants(state).count(QStringLiteral("urn:ietf:params:oauth:grant-type:device_code")), 3);
        QCOMPARE(state.value(QStringLiteral("device_codes")).toInt(), 1);
        const QString after = storedToken();
        QVERIFY(after != before);
        QVERIFY(activeAtProvider(after));

        QCOMPARE(queue("after-device").exitCode, 0);
        const RunResult f = flush();
        QVERIFY2(f.exitCode == 0, (f.out + f.err).constData());
        QCOMPARE(deliveredIds(m_sink).value("after-device@outpost.test"), 1);
        control({{QStringLiteral("device_outcome"), QStringLiteral("approve")},
                 {QStringLiteral("device_script"), QJsonArray{}}});
    }

    /// `account logout`: the refresh token revoked at the provider (RFC 7009, with its access
    /// tokens) and the token file gone; the next flush holds the message as "sign in again"
    /// without asking the provider; `account test` says to sign in (77); a second logout has
    /// nothing to do; signing in again releases the message.
    void logoutRevokesThenHolds()
    {
        const QString token = storedToken();
        QVERIFY(activeAtProvider(token));
        const int revokedBefore = providerState().value(QStringLiteral("revoked")).toInt();
        const RunResult out = account(QStringLiteral("logout"));
        QVERIFY2(out.exitCode == 0, (out.out + out.err).constData());
        QVERIFY2(out.out.contains("Signed out: the provider revoked"), out.out.constData());
        QVERIFY(!QFile::exists(tokenFile()));
        QVERIFY(!activeAtProvider(token));
        const QJsonObject state = providerState();
        QCOMPARE(state.value(QStringLiteral("revoked")).toInt(), revokedBefore + 1);
        const QJsonObject revocation =
            state.value(QStringLiteral("revocations")).toArray().last().toObject();
        QCOMPARE(revocation.value(QStringLiteral("token_type_hint")).toString(),
                 QStringLiteral("refresh_token"));
        QCOMPARE(revocation.value(QStringLiteral("known")).toBool(), true);
        QVERIFY(!(out.out + out.err).contains(token.toUtf8()));

        const int requests = tokenRequests();
        QCOMPARE(queue("after-logout").exitCode, 0);
        const RunResult f = flush();
        QCOMPARE(f.exitCode, 75);
        QVERIFY2(f.err.contains("sign in again"), f.err.constData());
        QCOMPARE(tokenRequests(), requests); // no refresh token: nothing to ask
        QCOMPARE(deliveredIds(m_sink).value("after-logout@outpost.test"), 0);
        const RunResult status =
            runOutpost(dir(), {QStringLiteral("status"), QStringLiteral("--json")});
        QCOMPARE(QJsonDocument::fromJson(status.out)
                     .object()
                     .value(QStringLiteral("accounts"))
                     .toArray()
                     .at(0)
                     .toObject()
                     .value(QStringLiteral("needs_sign_in"))
                     .toBool(),
                 true);

        const RunResult test = account(QStringLiteral("test"));
        QCOMPARE(test.exitCode, 77);
        QVERIFY2(test.err.contains("Not signed in"), test.err.constData());
        QVERIFY2(test.err.contains("outpost account login mail"), test.err.constData());
        QCOMPARE(tokenRequests(), requests);

        const RunResult again = account(QStringLiteral("logout"));
        QCOMPARE(again.exitCode, 0);
        QVERIFY2(again.out.contains("was not signed in"), again.out.constData());
        QCOMPARE(providerState().value(QStringLiteral("revoked")).toInt(), revokedBefore + 1);

        QCOMPARE(signIn(), 0);
        const RunResult sent = flush();
        QVERIFY2(sent.exitCode == 0, (sent.out + sent.err).constData());
        QCOMPARE(deliveredIds(m_sink).value("after-logout@outpost.test"), 1);
    }

    /// With an IMAP server the copies in Sent sign in with the same token as submission: a
    /// flush of three messages (a new process, no token in memory) asks the provider once,
    /// Dovecot's IMAP takes AUTHENTICATE XOAUTH2 with it, and each copy is the exact bytes
    /// submitted, \Seen, recorded as copied.
    void sentCopySignsInWithTheSameToken()
    {
        const RunResult edit = runOutpost(
            dir(), {QStringLiteral("account"), QStringLiteral("edit"), kAccount,
                    QStringLiteral("--imap-host"), QStringLiteral("localhost"),
                    QStringLiteral("--imap-port"), QString::number(m_dovecot->imapPort()),
                    QStringLiteral("--imap-security"), QStringLiteral("starttls"),
                    QStringLiteral("--sent-copy"), QStringLiteral("on")});
        QVERIFY2(edit.exitCode == 0, (edit.out + edit.err).constData());
        QList<qint64> ids;
        for (int i = 1; i <= 3; ++i) {
            const RunResult q = queue("copy-" + QByteArray::number(i));
            QCOMPARE(q.exitCode, 0);
            ids << q.out.trimmed().toLongLong();
        }
        const int before = tokenRequests();
        const qint64 imapLogins = m_dovecot->log().count("imap-login: Info: Login: user=<" +
                                                         kUser.toUtf8() + ">, method=XOAUTH2");
        const RunResult f =
            runOutpost(dir(), {QStringLiteral("flush"), QStringLiteral("--verbose")}, {}, 120000);
        QVERIFY2(f.exitCode == 0, (f.out + f.err).constData());
        QCOMPARE(tokenRequests(), before + 1); // one refresh for SMTP and IMAP
        QCOMPARE(m_dovecot->log().count("imap-login: Info: Login: user=<" + kUser.toUtf8() +
                                        ">, method=XOAUTH2"),
                 imapLogins + 1); // one IMAP session for the three
        QHash<QByteArray, QStringList> sent;
        for (const QString &file : m_dovecot->sentFiles(kUser)) {
            QFile in(file);
            QVERIFY(in.open(QIODevice::ReadOnly));
            sent[messageIdOf(in.readAll())] << file;
        }
        for (int i = 0; i < 3; ++i) {
            const QByteArray tag = "copy-" + QByteArray::number(i + 1);
            QCOMPARE(deliveredIds(m_sink).value(tag + "@outpost.test"), 1);
            const QStringList files = sent.value(tag + "@outpost.test");
            QCOMPARE(files.size(), 1);
            QFile in(files.first());
            QVERIFY(in.open(QIODevice::ReadOnly));
            QCOMPARE(in.readAll(), storedBytes(dir(), ids[i]));
            QVERIFY2(files.first().endsWith(QStringLiteral(",S")), qPrintable(files.first()));
            const QJsonObject shown =
                QJsonDocument::fromJson(
                    runOutpost(dir(), {QStringLiteral("show"), QString::number(ids[i]),
                                       QStringLiteral("--json")})
                        .out)
                    .object();
            QCOMPARE(shown[QStringLiteral("copy")].toObject()[QStringLiteral("state")].toString(),
                     QStringLiteral("copied"));
        }
        const QByteArray all = f.out + f.err;
        QVERIFY2(all.contains("AUTHENTICATE XOAUTH2 <redacted>") ||
                     !all.contains("AUTHENTICATE XOAUTH2 "),
                 all.constData());
        QVERIFY(!all.contains(storedToken().toUtf8()));
    }

    /// A message whose delivery is uncertain (Outpost stopped after its end of data) is looked
    /// for in Sent with the OAuth token before it goes again: the provider's own copy is there,
    /// so it is `sent`, resolved by the Sent folder, and the server never sees it again.
    void uncertainResolvedWithTheToken()
    {
        const RunResult q = queue("uncertain-oauth");
        QCOMPARE(q.exitCode, 0);
        const qint64 id = q.out.trimmed().toLongLong();
        QVERIFY(m_dovecot->fileIntoSent(kUser, storedBytes(dir(), id)));
        QVERIFY(markSentUnanswered(dir(), id));
        const int before = tokenRequests();
        const RunResult f = flush();
        QVERIFY2(f.exitCode == 0, (f.out + f.err).constData());
        QCOMPARE(tokenRequests(), before + 1);
        QCOMPARE(deliveredIds(m_sink).value("uncertain-oauth@outpost.test"), 0);
        const QJsonObject shown =
            QJsonDocument::fromJson(runOutpost(dir(), {QStringLiteral("show"), QString::number(id),
                                                       QStringLiteral("--json")})
                                        .out)
                .object();
        QCOMPARE(shown[QStringLiteral("state")].toString(), QStringLiteral("sent"));
        QCOMPARE(shown[QStringLiteral("attempts")].toInt(), 1); // the interrupted one only
        const QJsonObject last = shown[QStringLiteral("history")].toArray().last().toObject();
        QCOMPARE(last[QStringLiteral("event")].toString(),
                 QStringLiteral("resolved-by-sent-folder"));
        QVERIFY2(last[QStringLiteral("detail")].toString().startsWith(
                     QStringLiteral("found in Sent (UID ")),
                 qPrintable(last[QStringLiteral("detail")].toString()));
        QCOMPARE(shown[QStringLiteral("copy")].toObject()[QStringLiteral("state")].toString(),
                 QStringLiteral("copied"));
    }

    /// The IMAP server refuses the token the copies have (revoked before its time, while the
    /// message was long sent): that copy fails as a refused login, the token is dropped, and
    /// the next try signs in with a fresh one (one refresh) and copies. A Service in this
    /// process, so the test acts between the two tries.
    void imapRefusalGetsAFreshToken()
    {
        const std::unique_ptr<Service> owner = openService();
        QVERIFY(owner);
        Service &service = *owner;
        QString error;
        // The copy's first try finds no IMAP server; the message goes out with a token.
        Account a = *service.accounts()->find(kAccount);
        const quint16 imapPort = a.imapPort;
        a.imapPort = freePorts(1).value(0);
        QVERIFY2(service.accounts()->update(a, &error), qPrintable(error));
        const Service::EnqueueResult r = service.enqueueRaw(kAccount, message("imap-refused"));
        QVERIFY(r.ok());
        service.flush();
        QTRY_VERIFY_WITH_TIMEOUT(service.outbox()->summary(r.id)->copyState == CopyState::Failed,
                                 60000);
        QCOMPARE(service.outbox()->summary(r.id)->state, MessageState::Sent);
        QCOMPARE(service.outbox()->summary(r.id)->copyErrorClass, QStringLiteral("network"));

        // The server is back, and the token held is refused now.
        a.imapPort = imapPort;
        QVERIFY2(service.accounts()->update(a, &error), qPrintable(error));
        control({{QStringLiteral("expire_access"), true}});
        const int before = tokenRequests();
        const QByteArray refused = "imap-login: Info: Disconnected: Aborted login by logging out "
                                   "(auth failed, 1 attempts";
        const qint64 refusedBefore = m_dovecot->log().count(refused);
        service.flush();
        // A claimed copy keeps its state until its outcome is written: wait for that.
        QTRY_COMPARE_WITH_TIMEOUT(service.outbox()->summary(r.id)->copyErrorClass,
                                  QStringLiteral("auth"), 60000);
        QCOMPARE(service.outbox()->summary(r.id)->copyState, CopyState::Failed);
        QCOMPARE(service.outbox()->summary(r.id)->copyAttempts, 2);
        QCOMPARE(tokenRequests(), before); // the refused token was the one held
        QTRY_COMPARE_WITH_TIMEOUT(m_dovecot->log().count(refused), refusedBefore + 1, 10000);

        service.flush();
        QTRY_VERIFY_WITH_TIMEOUT(service.outbox()->summary(r.id)->copyState == CopyState::Copied,
                                 60000);
        QCOMPARE(service.outbox()->summary(r.id)->copyAttempts, 3);
        QCOMPARE(tokenRequests(), before + 1);
        QCOMPARE(deliveredIds(m_sink).value("imap-refused@outpost.test"), 1);
        QSignalSpy down(&service, &Service::shutdownFinished);
        service.shutdown(5000);
        QVERIFY(down.wait(10000));
    }

    /// Logout of an account without OAuth is a usage error (64); of no account, 78.
    void logoutRefusals()
    {
        QCOMPARE(runOutpost(dir(), {QStringLiteral("account"), QStringLiteral("logout"),
                                    QStringLiteral("nosuch")})
                     .exitCode,
                 78);
        QCOMPARE(runOutpost(dir(), {QStringLiteral("account"), QStringLiteral("logout")}).exitCode,
                 64);
    }
};

QTEST_GUILESS_MAIN(TestOAuthSend)
#include "tst_oauthsend.moc"
