#pragma once
// Outcomes of the OAuth 2.0 flows as values: one code with a stable name per way a sign-in or
// a refresh can end, the provider's own error code and text kept for the log.

#include <QDateTime>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <optional>

namespace outpost {

/// How an OAuth request or flow ended. The names (oauthErrorName()) are stable: scripts,
/// JSON output and the later account state use them.
enum class OAuthErrorCode
{
    None,           ///< "ok": it worked
    BrowserTimeout, ///< "browser_timeout": the browser did not come back in time (RFC 8252)
    StateMismatch,  ///< "state_mismatch": the redirect's `state` is not ours (RFC 6749 §10.12)
    AccessDenied,   ///< "access_denied": the user (or a policy) refused (§4.1.2.1, RFC 8628 §3.5)
    InvalidGrant, ///< "invalid_grant": code or refresh token refused: used, revoked, expired (§5.2)
    InvalidClient, ///< "invalid_client": client id or secret refused by the provider (§5.2)
    ExpiredToken,  ///< "expired_token": the device code expired before approval (RFC 8628 §3.5)
    Network,       ///< "network": no answer, TLS failure, timeout, 5xx: try again later
    BadResponse,   ///< "bad_response": an answer that breaks the protocol (not JSON, no token, …)
    ServerError, ///< "server_error": another OAuth error from the provider (serverCode says which)
    Cancelled,   ///< "cancelled": the caller cancelled the flow
    LoopbackFailed, ///< "loopback_failed": no port could be opened on 127.0.0.1 (RFC 8252 §7.3)
    NoClientId,     ///< "no_client_id": no client id configured for the provider
    Configuration, ///< "configuration": the provider's settings are unusable (URL, no device grant)
};

/// The stable lower-case name of `code` ("browser_timeout", "invalid_grant", …; "ok" for None).
QString oauthErrorName(OAuthErrorCode code);
/// The code named `name` (as oauthErrorName() spells it), or nullopt.
std::optional<OAuthErrorCode> oauthErrorFromName(const QString &name);

/// One outcome: the code, and what the provider said where it said something. Never carries
/// a token, a code, a verifier or a client secret.
struct OAuthError
{
    OAuthErrorCode code = OAuthErrorCode::None;
    /// The provider's "error" value (RFC 6749 §4.1.2.1, §5.2; RFC 8628 §3.5), e.g.
    /// "invalid_grant", "invalid_scope"; empty when the provider said nothing.
    QString serverCode;
    /// Technical detail for logs: the provider's "error_description", or what went wrong.
    QString description;
    /// The HTTP status of the answer (0: none, e.g. the connection failed).
    int httpStatus = 0;

    /// True when nothing went wrong (code None).
    bool ok() const { return code == OAuthErrorCode::None; }
    /// One line for logs: "invalid_grant (provider: invalid_grant, HTTP 400): description".
    QString toString() const;

    /// An error of `code` with a technical `description`, nothing from the provider.
    static OAuthError make(OAuthErrorCode code, const QString &description = {});
};

/// Tokens from a token endpoint response (RFC 6749 §5.1).
struct OAuthTokens
{
    QString accessToken;  ///< bearer token for XOAUTH2 / OAUTHBEARER (RFC 6750)
    QString refreshToken; ///< may be empty when the provider gave none
    /// When the access token stops working (UTC), from "expires_in" counted from the moment the
    /// request was sent; invalid when the provider did not say.
    QDateTime expiresAt;
    QStringList scopes; ///< granted scopes when the provider lists them (§5.1 "scope")
    /// True when a refresh returned a new refresh token (rotation); the old one may be dead.
    bool refreshTokenRotated = false;

    /// True when the access token is missing, or expires within `marginSeconds` of `now`
    /// (an unknown expiry counts as valid).
    bool expiresWithin(qint64 marginSeconds, const QDateTime &now) const;
};

/// The result of a flow or a token request: tokens when error.ok().
struct OAuthResult
{
    OAuthError error;
    OAuthTokens tokens;
    /// True when the tokens are there (error.ok()).
    bool ok() const { return error.ok(); }
};

} // namespace outpost

Q_DECLARE_METATYPE(outpost::OAuthResult)
