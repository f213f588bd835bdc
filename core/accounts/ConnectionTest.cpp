#include "ConnectionTest.h"

#include "AccountStore.h"
#include "CredentialStore.h"
#include "OAuthAccount.h"
#include "SettingKeys.h"
#include "Settings.h"
#include "oauth/TokenClient.h"

#include <QDateTime>
#include <QFileInfo>
#include <QHash>
#include <QMutex>
#include <QSslCertificate>
#include <QTimer>

#include <algorithm>

namespace outpost {

namespace {
/// Longest wait for the greeting or a command reply in a test: a person is waiting.
constexpr int kTestReplyCapMs = 60000;
/// An account's extra CA certificates (PEM file), parsed once and again only when the file
/// changes. Reading and parsing it for every message cost a file open and an X.509 parse per
/// message. Safe from any thread.
QList<QSslCertificate> caCertificates(const QString &path)
{
    static QMutex mutex;
    const QMutexLocker lock(&mutex);
    struct Entry
    {
        QDateTime modified;
        qint64 size = -1;
        QList<QSslCertificate> certificates;
    };
    static QHash<QString, Entry> cache;
    const QFileInfo info(path);
    Entry &e = cache[path];
    if (e.size != info.size() || e.modified != info.lastModified()) {
        e.modified = info.lastModified();
        e.size = info.size();
        e.certificates = QSslCertificate::fromPath(path, QSsl::Pem);
    }
    return e.certificates;
}
} // namespace

SessionConfig sessionConfigForAccount(const Account &account, const QString &secret,
                                      const Settings *settings)
{
    SessionConfig c;
    c.host = account.host;
    c.port = account.port;
    c.security = account.security;
    c.auth = account.auth;
    if (account.usesAuth()) {
        const QString auth = account.auth.toLower();
        c.credentials.user = account.user;
        if (auth == QLatin1String("xoauth2") || auth == QLatin1String("oauthbearer"))
            c.credentials.oauthToken = secret;
        else
            c.credentials.password = secret;
    }
    c.allowPlainAuth = account.allowPlainAuth;
    if (!account.caFile.isEmpty())
        c.extraCaCertificates = caCertificates(account.caFile);
    if (!account.pinSha256.isEmpty())
        c.pinSha256 =
            QByteArray::fromHex(QString(account.pinSha256).remove(QLatin1Char(':')).toLatin1());
    if (settings) {
        auto ms = [&](QLatin1String key) {
            return int(settings->intValue(account.name, key));
        };
        c.connectTimeoutMs = ms(settingKey("timeout.connect"));
        c.greetingTimeoutMs = ms(settingKey("timeout.greeting"));
        c.commandTimeoutMs = ms(settingKey("timeout.command"));
        c.dataBlockTimeoutMs = ms(settingKey("timeout.data_block"));
        c.dataEndTimeoutMs = ms(settingKey("timeout.data_end"));
        c.quitTimeoutMs = ms(settingKey("timeout.quit"));
        c.allowPipelining =
            settings->value(account.name, settingKey("pipelining")) != QLatin1String("off");
        c.allowChunking =
            settings->value(account.name, settingKey("chunking")) != QLatin1String("off");
        c.chunkSize =
            qsizetype(settings->intValue(account.name, settingKey("chunking.chunk_size")));
    }
    c.logTag = account.name;
    return c;
}

ConnectionTest::ConnectionTest(const Account &account, ConnectionTestOptions options,
                               QObject *parent)
    : QObject(parent)
    , m_account(account)
    , m_options(std::move(options))
{
    qRegisterMetaType<SmtpResult>();
    qRegisterMetaType<Capabilities>();
}

ConnectionTest::~ConnectionTest()
{
    if (m_session)
        m_session->disconnect(this);
    delete m_session; // SmtpSession's destructor drops the socket
    delete m_passwordContext;
}

void ConnectionTest::setStage(Stage s)
{
    if (m_stage == s)
        return;
    m_stage = s;
    emit stageChanged(s);
}

void ConnectionTest::start()
{
    if (m_started)
        return;
    m_started = true;
    m_running = true;
    // Always asynchronous, so a caller may connect to finished() after start().
    QTimer::singleShot(0, this, [this] {
        if (m_finished)
            return;
        if (!m_account.usesAuth()) {
            connectWith({});
            return;
        }
        if (m_account.oauth.enabled()) {
            fetchAccessToken();
            return;
        }
        if (!m_options.password.isEmpty()) {
            connectWith(m_options.password);
            return;
        }
        setStage(Stage::Password);
        QPointer<ConnectionTest> self(this);
        auto done = [self](PasswordCommandStatus status, const QString &secret,
                           const QString &error) {
            if (!self || self->m_finished || self->m_cancelled)
                return;
            if (status == PasswordCommandStatus::TimedOut) {
                // Not a refused login: the command may be waiting for the user (a pinentry).
                self->finish(SmtpResult::failure(ErrorClass::Credentials, error));
                return;
            }
            if (status != PasswordCommandStatus::Ok) {
                self->finish(SmtpResult::failure(ErrorClass::Auth,
                                                 QStringLiteral("no password: %1").arg(error)));
                return;
            }
            self->connectWith(secret);
        };
        auto fromStore = [done](bool ok, const QString &secret, const QString &error) {
            done(ok ? PasswordCommandStatus::Ok : PasswordCommandStatus::Failed, secret, error);
        };
        if (!m_account.passwordCommand.isEmpty()) {
            m_passwordContext = new QObject(this);
            runPasswordCommand(m_account.passwordCommand, m_passwordContext, done,
                               m_options.passwordCommandTimeoutMs);
        } else if (m_options.credentials) {
            m_options.credentials->readPassword(m_account.name, fromStore);
        } else {
            fromStore(false, {}, QStringLiteral("no password source"));
        }
    });
}

void ConnectionTest::fetchAccessToken()
{
    setStage(Stage::Token);
    const OAuthProvider provider = oauthProviderForAccount(m_account);
    if (const QString problem = oauthProviderProblem(provider); !problem.isEmpty()) {
        finish(SmtpResult::failure(
            ErrorClass::SignIn,
            QStringLiteral("the sign-in settings cannot be used: %1").arg(problem)));
        return;
    }
    if (!m_options.oauthTokens) {
        finish(SmtpResult::failure(ErrorClass::SignIn, QStringLiteral("no token store")));
        return;
    }
    QPointer<ConnectionTest> self(this);
    OAuthTokenStore *store = m_options.oauthTokens;
    m_options.oauthTokens->read(m_account, [self, provider, store](bool ok,
                                                                   const QString &refreshToken,
                                                                   const QString &why) {
        if (!self || self->m_finished)
            return;
        if (!ok) {
            self->finish(SmtpResult::failure(ErrorClass::SignIn,
                                             QStringLiteral("not signed in: %1").arg(why)));
            return;
        }
        auto *client = new TokenClient(provider, oauthHttpOptionsForAccount(self->m_account), self);
        self->m_tokenClient = client;
        client->refresh(refreshToken, [self, client, store](const OAuthResult &r) {
            client->deleteLater();
            if (!self || self->m_finished)
                return;
            if (!r.ok()) {
                const OAuthErrorCode c = r.error.code;
                const bool later = c == OAuthErrorCode::Network ||
                                   c == OAuthErrorCode::ServerError ||
                                   c == OAuthErrorCode::BadResponse;
                self->finish(SmtpResult::failure(
                    later ? ErrorClass::Network : ErrorClass::SignIn,
                    QStringLiteral("no access token: %1").arg(r.error.toString())));
                return;
            }
            if (r.tokens.refreshTokenRotated) {
                // RFC 6749 §6: the old refresh token may be dead already; keep the new one.
                const QString name = self->m_account.name;
                store->write(self->m_account, r.tokens.refreshToken,
                             [name](bool stored, const QString &e) {
                                 if (!stored)
                                     qWarning("outpost: the new refresh token of account %s "
                                              "could not be stored: %s",
                                              qPrintable(name), qPrintable(e));
                             });
            }
            self->connectWith(r.tokens.accessToken);
        });
    });
}

void ConnectionTest::connectWith(const QString &secret)
{
    SessionConfig c = sessionConfigForAccount(m_account, secret, m_options.settings);
    c.greetingTimeoutMs = std::min(c.greetingTimeoutMs, kTestReplyCapMs);
    c.commandTimeoutMs = std::min(c.commandTimeoutMs, kTestReplyCapMs);
    if (m_options.resolveHost) {
        c.connectHost = m_options.resolveHost(m_account.host);
        if (c.connectHost == c.host)
            c.connectHost.clear();
    }
    auto *session = new SmtpSession(c, this);
    m_session = session;
    connect(session, &SmtpSession::logLine, this, [this](const QString &line) {
        m_log << line;
        emit logLine(line);
    });
    connect(session, &SmtpSession::stateChanged, this, [this](SmtpSession::State s) {
        switch (s) {
        case SmtpSession::State::Connecting:
            setStage(Stage::Connecting);
            break;
        case SmtpSession::State::Greeting:
            setStage(Stage::Greeting);
            break;
        case SmtpSession::State::Ehlo:
        case SmtpSession::State::Helo:
            setStage(Stage::Ehlo);
            break;
        case SmtpSession::State::StartTls:
        case SmtpSession::State::TlsHandshake:
            setStage(Stage::Tls);
            break;
        case SmtpSession::State::Auth:
            setStage(Stage::Auth);
            break;
        case SmtpSession::State::Quitting:
        case SmtpSession::State::Closing:
            setStage(Stage::Quit);
            break;
        default:
            break;
        }
    });
    connect(session, &SmtpSession::ready, this, [this, session] {
        m_caps = session->capabilities();
        m_result = SmtpResult();
        if (m_options.accounts)
            m_options.accounts->setLastCapabilities(m_account.name, m_caps.describe());
        session->quit();
    });
    connect(session, &SmtpSession::openFailed, this, [this, session](const SmtpResult &r) {
        m_caps = session->capabilities();
        m_result = r;
    });
    connect(session, &SmtpSession::closed, this, [this](SmtpSession::CloseKind) {
        if (m_session)
            m_session->deleteLater();
        finish(m_result);
    });
    m_result = SmtpResult::failure(ErrorClass::Network, QStringLiteral("connection closed"));
    session->open();
}

void ConnectionTest::cancel()
{
    if (m_finished || !m_started)
        return;
    m_cancelled = true;
    const SmtpResult r =
        SmtpResult::failure(ErrorClass::Local, QStringLiteral("cancelled by the user"));
    if (m_session) {
        m_session->disconnect(this);
        m_session->abort();
        m_session->deleteLater();
        m_session = nullptr;
    }
    delete m_passwordContext; // kills a running password command
    m_passwordContext = nullptr;
    delete m_tokenClient; // aborts a running token request; its callback is not called
    finish(r);
}

void ConnectionTest::finish(const SmtpResult &result)
{
    if (m_finished)
        return;
    m_finished = true;
    m_running = false;
    setStage(Stage::Done);
    emit finished(result, m_caps, m_log);
}

} // namespace outpost
