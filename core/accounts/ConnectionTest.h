#pragma once

#include "accounts/Account.h"
#include "smtp/Capabilities.h"
#include "smtp/SmtpResult.h"
#include "smtp/SmtpSession.h"

#include <QObject>
#include <QPointer>
#include <QStringList>

#include <functional>

namespace outpost {

class AccountStore;
class CredentialStore;
class OAuthTokenStore;
class Settings;

/// Where a ConnectionTest finds what it needs besides the account itself. Pointers are not
/// owned and may be null.
struct ConnectionTestOptions
{
    /// Reads the stored password when the account has no password command and `password`
    /// is empty (the system keychain in the app).
    CredentialStore *credentials = nullptr;
    /// A password typed but not yet saved: used instead of the keychain and the command.
    QString password;
    /// Bounds the account's password command (milliseconds); the command is killed after it.
    int passwordCommandTimeoutMs = 30000;
    /// Per-account timeouts (timeout.connect, timeout.quit; greeting and command replies are
    /// capped at 60 s for a test). Null: SessionConfig's defaults with the same cap.
    const Settings *settings = nullptr;
    /// Records the server's capabilities after a successful EHLO (setLastCapabilities).
    AccountStore *accounts = nullptr;
    /// Where an OAuth account's refresh token is kept: the test refreshes the access token
    /// with it (and keeps a rotated one) before AUTH. Null: an OAuth account cannot be tested.
    OAuthTokenStore *oauthTokens = nullptr;
    /// Maps the account's host to the address to connect to (tests); empty result = host.
    std::function<QString(const QString &host)> resolveHost;
};

/// The SessionConfig for sending from `account` with `secret` (a password, or an OAuth 2.0
/// access token for xoauth2 / oauthbearer, RFC 7628), timeouts from `settings` (null =
/// defaults). The CA file (PEM) is parsed once and again only when it changes; the pin is the hex
/// SHA-256 with optional colons.
SessionConfig sessionConfigForAccount(const Account &account, const QString &secret,
                                      const Settings *settings);

/// "Test connection" for an account (`outpost account test`, the Accounts dialog): gets the
/// password (typed, keychain or password command), or for an OAuth account a fresh access
/// token (the refresh token from the OAuthTokenStore exchanged at the provider, RFC 6749 §6;
/// a rotated refresh token is stored), then runs one SmtpSession through
/// connect, TLS (implicit or STARTTLS, RFC 3207), EHLO (RFC 5321 §4.1.1.1), AUTH (RFC 4954)
/// and QUIT, without blocking. finished() reports the outcome once: a success with the
/// server's capabilities, or the SmtpResult that stopped it (network, timeout, tls,
/// certificate with the chain, auth, protocol). A password that cannot be obtained is an
/// `auth` result with reply code 0 and the reason in `detail`. For an OAuth account: no refresh
/// token, or one the provider refuses (invalid_grant), is a `sign-in` result (sign in again);
/// a provider that cannot be reached is `network`; the server refusing the fresh token is
/// `auth` with the server's reply. cancel() ends it at any time.
class ConnectionTest : public QObject
{
    Q_OBJECT
public:
    /// What the test is doing now (for a progress line).
    enum class Stage
    {
        Password,   ///< reading the keychain or running the password command
        Token,      ///< OAuth: getting an access token from the provider
        Connecting, ///< TCP connect (and implicit TLS handshake)
        Greeting,   ///< waiting for the server's 220
        Ehlo,       ///< EHLO / HELO
        Tls,        ///< STARTTLS and handshake
        Auth,       ///< AUTH
        Quit,       ///< QUIT and close
        Done
    };
    Q_ENUM(Stage)

    ConnectionTest(const Account &account, ConnectionTestOptions options,
                   QObject *parent = nullptr);
    ~ConnectionTest() override;

    /// Starts the test (once). finished() follows, never synchronously inside start().
    void start();
    /// Stops the test now: the connection is aborted, the password command killed. finished()
    /// is emitted (if it was not yet) with class Local and wasCancelled() true.
    void cancel();
    bool isRunning() const { return m_running; }
    bool wasCancelled() const { return m_cancelled; }
    Stage stage() const { return m_stage; }
    const Account &account() const { return m_account; }

signals:
    void stageChanged(outpost::ConnectionTest::Stage stage);
    /// A protocol log line ("C: EHLO x", "S: 250 …"); AUTH payloads are redacted.
    void logLine(const QString &line);
    /// The outcome: result.ok() when EHLO (and AUTH when used) succeeded; `capabilities` as
    /// the server offered them on the last EHLO (after TLS); `log` every protocol line.
    void finished(const outpost::SmtpResult &result, const outpost::Capabilities &capabilities,
                  const QStringList &log);

private:
    void setStage(Stage s);
    void connectWith(const QString &secret);
    /// OAuth: refresh token from the store, access token from the provider, then connectWith().
    void fetchAccessToken();
    void finish(const SmtpResult &result);

    Account m_account;
    ConnectionTestOptions m_options;
    QPointer<SmtpSession> m_session;
    QObject *m_passwordContext = nullptr; ///< parent of the password command's process
    QPointer<QObject> m_tokenClient;      ///< the running token request (OAuth), if any
    Stage m_stage = Stage::Password;
    SmtpResult m_result;
    Capabilities m_caps;
    QStringList m_log;
    bool m_started = false;
    bool m_running = false;
    bool m_cancelled = false;
    bool m_finished = false;
};

} // namespace outpost

Q_DECLARE_METATYPE(outpost::Capabilities)
