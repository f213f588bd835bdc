#include "TokenClient.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSslConfiguration>

#include <utility>

namespace outpost {

Q_LOGGING_CATEGORY(lcOAuth, "outpost.oauth", QtWarningMsg)

namespace {

/// The largest answer read from an OAuth endpoint (octets); real ones are a few KB.
constexpr qint64 kMaxReplyOctets = 1024 * 1024;
/// The longest token accepted (characters); Microsoft's are a few KB.
constexpr qsizetype kMaxTokenLength = 64 * 1024;
/// The longest provider text kept for logs (characters).
constexpr qsizetype kMaxDescription = 300;

// RFC 6750 §2.1's b64token is narrower, but providers issue JWTs and opaque strings; what
// matters is that the token cannot break the SASL message it goes into (^A separators).
bool isPrintableToken(const QString &token)
{
    if (token.isEmpty() || token.size() > kMaxTokenLength)
        return false;
    for (const QChar c : token) {
        if (c.unicode() < 0x21 || c.unicode() > 0x7E)
            return false;
    }
    return true;
}

QString shortText(QString s)
{
    if (s.size() > kMaxDescription)
        s = s.left(kMaxDescription) + QStringLiteral("…");
    return s;
}

} // namespace

void addFormItem(QUrlQuery &query, const QString &key, const QString &value)
{
    query.addQueryItem(QString::fromLatin1(QUrl::toPercentEncoding(key)),
                       QString::fromLatin1(QUrl::toPercentEncoding(value)));
}

QList<QPair<QString, QString>> formItems(const QUrlQuery &query)
{
    // QUrlQuery keeps "+" and "%2B" apart in its encoded form and never turns "+" into a
    // space: that one step of form decoding is done here, before the percent-decoding.
    const auto decode = [](QString encoded) {
        encoded.replace(QLatin1Char('+'), QLatin1Char(' '));
        return QUrl::fromPercentEncoding(encoded.toUtf8());
    };
    QList<QPair<QString, QString>> out;
    const auto items = query.queryItems(QUrl::FullyEncoded);
    for (const auto &[key, value] : items)
        out.append({decode(key), decode(value)});
    return out;
}

OAuthErrorCode oauthErrorCodeForServerError(const QString &error)
{
    if (error == QLatin1String("invalid_grant"))
        return OAuthErrorCode::InvalidGrant;
    if (error == QLatin1String("invalid_client") || error == QLatin1String("unauthorized_client"))
        return OAuthErrorCode::InvalidClient;
    if (error == QLatin1String("access_denied"))
        return OAuthErrorCode::AccessDenied;
    if (error == QLatin1String("expired_token"))
        return OAuthErrorCode::ExpiredToken;
    return OAuthErrorCode::ServerError;
}

OAuthResult parseTokenResponse(const QJsonObject &body, const QDateTime &requestedAt,
                               const QString &previousRefreshToken)
{
    OAuthResult r;
    const auto bad = [&r](const QString &why) {
        r.error = OAuthError::make(OAuthErrorCode::BadResponse, why);
        r.tokens = {};
        return r;
    };
    const QJsonValue access = body.value(QLatin1String("access_token"));
    if (!access.isString() || !isPrintableToken(access.toString()))
        return bad(QStringLiteral("the token response has no usable access_token"));
    // token_type is REQUIRED (§5.1) but some providers leave it out; what they send must be
    // a bearer token, the only kind XOAUTH2 and OAUTHBEARER carry.
    const QJsonValue type = body.value(QLatin1String("token_type"));
    if (!type.isUndefined() &&
        type.toString().compare(QLatin1String("bearer"), Qt::CaseInsensitive) != 0)
        return bad(QStringLiteral("the token is not a bearer token (token_type %1)")
                       .arg(shortText(type.toVariant().toString())));
    r.tokens.accessToken = access.toString();

    // expires_in is a number; some providers send it as a string of digits.
    const QJsonValue expires = body.value(QLatin1String("expires_in"));
    qint64 seconds = 0;
    if (expires.isDouble())
        seconds = qint64(expires.toDouble());
    else if (expires.isString())
        seconds = expires.toString().toLongLong();
    if (seconds > 0)
        r.tokens.expiresAt = requestedAt.toUTC().addSecs(seconds);

    const QJsonValue refresh = body.value(QLatin1String("refresh_token"));
    if (refresh.isString() && !refresh.toString().isEmpty()) {
        if (!isPrintableToken(refresh.toString()))
            return bad(QStringLiteral("the refresh_token is not printable ASCII"));
        r.tokens.refreshToken = refresh.toString();
        r.tokens.refreshTokenRotated =
            !previousRefreshToken.isEmpty() && r.tokens.refreshToken != previousRefreshToken;
    } else {
        r.tokens.refreshToken = previousRefreshToken;
    }
    const QJsonValue scope = body.value(QLatin1String("scope"));
    if (scope.isString())
        r.tokens.scopes = scope.toString().split(QLatin1Char(' '), Qt::SkipEmptyParts);
    return r;
}

TokenClient::TokenClient(const OAuthProvider &provider, const OAuthHttpOptions &options,
                         QObject *parent)
    : QObject(parent)
    , m_provider(provider)
    , m_options(options)
    , m_network(options.network)
{
    if (!m_network)
        m_network = new QNetworkAccessManager(this);
}

TokenClient::~TokenClient()
{
    abortAll();
}

void TokenClient::abortAll()
{
    const QSet<QNetworkReply *> replies = std::exchange(m_replies, {});
    for (QNetworkReply *reply : replies) {
        reply->disconnect(this);
        reply->abort();
        reply->deleteLater();
    }
}

void TokenClient::exchangeCode(const QString &code, const QString &codeVerifier,
                               const QString &redirectUri, Callback done)
{
    QUrlQuery form;
    addFormItem(form, QStringLiteral("grant_type"), QStringLiteral("authorization_code"));
    addFormItem(form, QStringLiteral("code"), code);
    addFormItem(form, QStringLiteral("redirect_uri"), redirectUri);
    addFormItem(form, QStringLiteral("code_verifier"), codeVerifier);
    requestTokens(form, {}, std::move(done));
}

void TokenClient::refresh(const QString &refreshToken, Callback done)
{
    QUrlQuery form;
    addFormItem(form, QStringLiteral("grant_type"), QStringLiteral("refresh_token"));
    addFormItem(form, QStringLiteral("refresh_token"), refreshToken);
    // §6: the scope may be left out (then it is the one granted); Microsoft wants it sent.
    addFormItem(form, QStringLiteral("scope"), m_provider.scopeString());
    requestTokens(form, refreshToken, std::move(done));
}

void TokenClient::pollDeviceCode(const QString &deviceCode, Callback done)
{
    QUrlQuery form;
    addFormItem(form, QStringLiteral("grant_type"),
                QStringLiteral("urn:ietf:params:oauth:grant-type:device_code"));
    addFormItem(form, QStringLiteral("device_code"), deviceCode);
    requestTokens(form, {}, std::move(done));
}

void TokenClient::requestTokens(QUrlQuery form, const QString &previousRefreshToken, Callback done)
{
    const QDateTime requestedAt = QDateTime::currentDateTimeUtc();
    postForm(
        m_provider.tokenUrl, std::move(form),
        [done = std::move(done), requestedAt, previousRefreshToken](const OAuthHttpReply &reply) {
            if (!reply.error.ok()) {
                OAuthResult r;
                r.error = reply.error;
                done(r);
                return;
            }
            done(parseTokenResponse(reply.body, requestedAt, previousRefreshToken));
        });
}

void TokenClient::revoke(const QString &token, const QString &tokenTypeHint, ErrorCallback done)
{
    if (m_provider.revocationUrl.isEmpty()) {
        QMetaObject::invokeMethod(
            this,
            [done = std::move(done), id = m_provider.id] {
                done(OAuthError::make(OAuthErrorCode::Configuration,
                                      QStringLiteral("%1 has no revocation endpoint").arg(id)));
            },
            Qt::QueuedConnection);
        return;
    }
    QUrlQuery form;
    addFormItem(form, QStringLiteral("token"), token);
    if (!tokenTypeHint.isEmpty())
        addFormItem(form, QStringLiteral("token_type_hint"), tokenTypeHint);
    postForm(m_provider.revocationUrl, form, [done = std::move(done)](const OAuthHttpReply &reply) {
        // RFC 7009 §2.2: 200 is success whatever the body (usually empty, not JSON).
        if (reply.httpStatus == 200)
            done(OAuthError{});
        else
            done(reply.error);
    });
}

void TokenClient::postForm(const QUrl &url, QUrlQuery form, ReplyCallback done)
{
    addFormItem(form, QStringLiteral("client_id"), m_provider.clientId);
    if (!m_provider.clientSecret.isEmpty())
        addFormItem(form, QStringLiteral("client_secret"), m_provider.clientSecret);

    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader,
                      QByteArrayLiteral("application/x-www-form-urlencoded"));
    request.setRawHeader("Accept", "application/json");
    // A redirect would turn the POST into a GET elsewhere, taking the form with it.
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::ManualRedirectPolicy);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute,
                         QNetworkRequest::AlwaysNetwork);
    request.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
    request.setAttribute(QNetworkRequest::CookieLoadControlAttribute, QNetworkRequest::Manual);
    request.setAttribute(QNetworkRequest::CookieSaveControlAttribute, QNetworkRequest::Manual);
    request.setTransferTimeout(m_options.requestTimeoutMs);
    if (!m_options.extraCaCertificates.isEmpty()) {
        QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
        ssl.addCaCertificates(m_options.extraCaCertificates);
        request.setSslConfiguration(ssl);
    }
    qCDebug(lcOAuth) << "POST" << url.toString(QUrl::RemoveQuery | QUrl::RemoveUserInfo);
    QNetworkReply *reply = m_network->post(request, form.query(QUrl::FullyEncoded).toLatin1());
    m_replies.insert(reply);
    connect(reply, &QNetworkReply::finished, this, [this, reply, done = std::move(done)] {
        if (!m_replies.remove(reply))
            return; // aborted by abortAll()
        reply->deleteLater();
        const OAuthHttpReply answer = interpret(reply);
        if (!answer.error.ok())
            qCDebug(lcOAuth) << "answer:" << answer.error.toString();
        // Last: the callback may delete this client.
        done(answer);
    });
}

OAuthHttpReply TokenClient::interpret(QNetworkReply *reply) const
{
    OAuthHttpReply out;
    const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    out.httpStatus = status.isValid() ? status.toInt() : 0;
    if (out.httpStatus == 0) {
        out.error = OAuthError::make(
            OAuthErrorCode::Network,
            reply->error() == QNetworkReply::OperationCanceledError
                ? QStringLiteral("no answer within %1 ms").arg(m_options.requestTimeoutMs)
                : reply->errorString());
        return out;
    }
    const QByteArray data = reply->read(kMaxReplyOctets + 1);
    if (data.size() > kMaxReplyOctets) {
        out.error = OAuthError::make(OAuthErrorCode::BadResponse,
                                     QStringLiteral("the answer is larger than 1 MiB"));
        out.error.httpStatus = out.httpStatus;
        return out;
    }
    if (out.httpStatus >= 300 && out.httpStatus < 400) {
        out.error = OAuthError::make(OAuthErrorCode::BadResponse,
                                     QStringLiteral("the endpoint redirects elsewhere"));
        out.error.httpStatus = out.httpStatus;
        return out;
    }
    const QJsonDocument doc = QJsonDocument::fromJson(data);
    if (doc.isObject())
        out.body = doc.object();
    // RFC 6749 §5.2 (usually HTTP 400 or 401), but some providers answer 200 with an error.
    const QJsonValue error = out.body.value(QLatin1String("error"));
    if (error.isString() && !error.toString().isEmpty()) {
        out.error.code = oauthErrorCodeForServerError(error.toString());
        out.error.serverCode = shortText(error.toString());
        out.error.description =
            shortText(out.body.value(QLatin1String("error_description")).toString());
        out.error.httpStatus = out.httpStatus;
        return out;
    }
    if (out.httpStatus >= 200 && out.httpStatus < 300) {
        // A 200 without JSON is right for a revocation (RFC 7009 §2.2, which revoke() reads
        // from httpStatus) and a fault everywhere else.
        if (!doc.isObject()) {
            out.error = OAuthError::make(OAuthErrorCode::BadResponse,
                                         QStringLiteral("the answer is not a JSON object"));
            out.error.httpStatus = out.httpStatus;
        }
        return out;
    }
    if (out.httpStatus >= 500 || out.httpStatus == 429) {
        out.error = OAuthError::make(
            OAuthErrorCode::Network,
            QStringLiteral("the provider is unavailable (HTTP %1)").arg(out.httpStatus));
    } else {
        out.error =
            OAuthError::make(OAuthErrorCode::BadResponse,
                             QStringLiteral("HTTP %1 without an OAuth error").arg(out.httpStatus));
    }
    out.error.httpStatus = out.httpStatus;
    return out;
}

} // namespace outpost
