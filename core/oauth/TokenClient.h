#pragma once
// The token endpoint and its neighbours (RFC 6749 §4.1.3, §6; RFC 8628 §3.4; RFC 7009): form
// POSTs with QNetworkAccessManager, JSON answers read with QJsonDocument, every outcome an
// OAuthResult.

#include "OAuthError.h"
#include "OAuthProvider.h"

#include <QJsonObject>
#include <QList>
#include <QLoggingCategory>
#include <QObject>
#include <QSet>
#include <QSslCertificate>
#include <QUrlQuery>

#include <functional>

class QNetworkAccessManager;
class QNetworkReply;

namespace outpost {

/// Debug messages of the OAuth classes ("outpost.oauth"; off unless QT_LOGGING_RULES turns
/// them on). They name endpoints and outcomes, never a token, code, verifier or secret.
Q_DECLARE_LOGGING_CATEGORY(lcOAuth)

/// How the OAuth classes reach the provider over HTTPS.
struct OAuthHttpOptions
{
    /// The manager to send with (not owned; must outlive the users). nullptr: each user
    /// makes its own.
    QNetworkAccessManager *network = nullptr;
    /// CA certificates trusted besides the system store (a provider with a private CA, tests).
    QList<QSslCertificate> extraCaCertificates;
    /// Bound for each request, in milliseconds (QNetworkRequest::setTransferTimeout); a request
    /// that takes longer ends with OAuthErrorCode::Network.
    int requestTimeoutMs = 30000;
};

/// What one OAuth endpoint answered to a form POST.
struct OAuthHttpReply
{
    /// None when the answer was 2xx and a JSON object without "error". Otherwise: Network (no
    /// answer, timeout, 5xx or 429 without an OAuth error), the provider's OAuth error
    /// (RFC 6749 §5.2 "error" mapped to a code, the value in serverCode), or BadResponse.
    OAuthError error;
    int httpStatus = 0; ///< 0 when no HTTP answer came
    QJsonObject body;   ///< the JSON object, when the answer was one
};

/// Talks to one provider's token, device authorization and revocation endpoints. Every call
/// is asynchronous and calls its callback exactly once, later, on this object's thread,
/// unless the client is destroyed or abortAll() is called first (then never). Requests never
/// follow redirects, send no cookies and use no cache. Tokens, codes, verifiers and the client
/// secret never reach a log or an error text.
class TokenClient : public QObject
{
    Q_OBJECT
public:
    /// Gets the tokens, or why not.
    using Callback = std::function<void(const OAuthResult &)>;
    /// Gets what an endpoint answered (postForm()).
    using ReplyCallback = std::function<void(const OAuthHttpReply &)>;
    /// Gets the outcome of a request that returns no tokens (revoke()).
    using ErrorCallback = std::function<void(const OAuthError &)>;

    /// A client for `provider` (its client id and secret authenticate every request, in the
    /// body: RFC 6749 §2.3.1).
    explicit TokenClient(const OAuthProvider &provider, const OAuthHttpOptions &options = {},
                         QObject *parent = nullptr);
    /// Aborts the requests still running; their callbacks are not called.
    ~TokenClient() override;

    /// The provider this client talks to, with its client registration.
    const OAuthProvider &provider() const { return m_provider; }

    /// Exchanges an authorization code for tokens (RFC 6749 §4.1.3) with the PKCE verifier
    /// (RFC 7636 §4.5) and the same redirect URI as the authorization request. A refused code
    /// (used, expired, wrong verifier) ends with InvalidGrant.
    void exchangeCode(const QString &code, const QString &codeVerifier, const QString &redirectUri,
                      Callback done);
    /// Refreshes the access token (RFC 6749 §6). When the answer carries a new refresh token
    /// (rotation) the result holds it and refreshTokenRotated is true; the caller must keep it,
    /// the old one may no longer work. Otherwise the result holds `refreshToken` again. A
    /// revoked or expired refresh token ends with InvalidGrant: the user must sign in again.
    void refresh(const QString &refreshToken, Callback done);
    /// One poll of the device code grant (RFC 8628 §3.4). "authorization_pending" and
    /// "slow_down" end as ServerError with that serverCode; DeviceCodeFlow does the polling.
    void pollDeviceCode(const QString &deviceCode, Callback done);
    /// Revokes `token` (RFC 7009 §2.1); `tokenTypeHint` "refresh_token" or "access_token" (may
    /// be empty). Ends with Configuration when the provider has no revocation endpoint.
    void revoke(const QString &token, const QString &tokenTypeHint, ErrorCallback done);
    /// POSTs `form` with the client's authentication added to `url` and reports the answer:
    /// what the other calls are made of, and the device authorization request.
    void postForm(const QUrl &url, QUrlQuery form, ReplyCallback done);

    /// Requests sent and not answered yet.
    int pendingRequests() const { return int(m_replies.size()); }
    /// Aborts every running request; their callbacks are not called.
    void abortAll();

private:
    void requestTokens(QUrlQuery form, const QString &previousRefreshToken, Callback done);
    OAuthHttpReply interpret(QNetworkReply *reply) const;

    OAuthProvider m_provider;
    OAuthHttpOptions m_options;
    QNetworkAccessManager *m_network = nullptr;
    QSet<QNetworkReply *> m_replies;
};

/// Reads a successful token response (RFC 6749 §5.1). `requestedAt` is when the request was
/// sent (UTC): "expires_in" counts from then, so the expiry is never later than the
/// provider's. `previousRefreshToken` is kept when the answer has none (§6). Ends with
/// BadResponse when access_token is missing or not printable ASCII (it goes into a SASL
/// message), or when token_type is there and not "Bearer" (RFC 6750).
OAuthResult parseTokenResponse(const QJsonObject &body, const QDateTime &requestedAt,
                               const QString &previousRefreshToken = {});

/// The code for an OAuth "error" value (RFC 6749 §4.1.2.1, §5.2; RFC 8628 §3.5):
/// invalid_grant, invalid_client / unauthorized_client, access_denied, expired_token; anything
/// else is ServerError.
OAuthErrorCode oauthErrorCodeForServerError(const QString &error);

/// Adds `key`=`value` to `query` so that it survives form decoding exactly: QUrlQuery leaves
/// "+" as it is, which a form decoder (application/x-www-form-urlencoded) reads as a space,
/// so the value is percent-encoded with QUrl::toPercentEncoding first.
void addFormItem(QUrlQuery &query, const QString &key, const QString &value);

/// The items of `query` read as application/x-www-form-urlencoded, as RFC 6749 Appendix B
/// encodes the authorization response: "+" is a space, then percent-decoding (UTF-8). In
/// order, a key given twice appears twice.
QList<QPair<QString, QString>> formItems(const QUrlQuery &query);

} // namespace outpost
