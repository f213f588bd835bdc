#include "OAuthError.h"

#include <utility>

namespace outpost {

namespace {

// One table for both directions, so a name can never drift from its code.
const std::pair<OAuthErrorCode, const char *> kNames[] = {
    {OAuthErrorCode::None, "ok"},
    {OAuthErrorCode::BrowserTimeout, "browser_timeout"},
    {OAuthErrorCode::StateMismatch, "state_mismatch"},
    {OAuthErrorCode::AccessDenied, "access_denied"},
    {OAuthErrorCode::InvalidGrant, "invalid_grant"},
    {OAuthErrorCode::InvalidClient, "invalid_client"},
    {OAuthErrorCode::ExpiredToken, "expired_token"},
    {OAuthErrorCode::Network, "network"},
    {OAuthErrorCode::BadResponse, "bad_response"},
    {OAuthErrorCode::ServerError, "server_error"},
    {OAuthErrorCode::Cancelled, "cancelled"},
    {OAuthErrorCode::LoopbackFailed, "loopback_failed"},
    {OAuthErrorCode::NoClientId, "no_client_id"},
    {OAuthErrorCode::Configuration, "configuration"},
};

} // namespace

QString oauthErrorName(OAuthErrorCode code)
{
    for (const auto &[c, name] : kNames) {
        if (c == code)
            return QString::fromLatin1(name);
    }
    return QStringLiteral("unknown");
}

std::optional<OAuthErrorCode> oauthErrorFromName(const QString &name)
{
    for (const auto &[c, n] : kNames) {
        if (name == QLatin1String(n))
            return c;
    }
    return std::nullopt;
}

QString OAuthError::toString() const
{
    QString out = oauthErrorName(code);
    QStringList extra;
    if (!serverCode.isEmpty())
        extra << QStringLiteral("provider: %1").arg(serverCode);
    if (httpStatus > 0)
        extra << QStringLiteral("HTTP %1").arg(httpStatus);
    if (!extra.isEmpty())
        out += QStringLiteral(" (%1)").arg(extra.join(QLatin1String(", ")));
    if (!description.isEmpty())
        out += QStringLiteral(": ") + description;
    return out;
}

OAuthError OAuthError::make(OAuthErrorCode code, const QString &description)
{
    OAuthError e;
    e.code = code;
    e.description = description;
    return e;
}

bool OAuthTokens::expiresWithin(qint64 marginSeconds, const QDateTime &now) const
{
    if (accessToken.isEmpty())
        return true;
    if (!expiresAt.isValid())
        return false;
    return now.secsTo(expiresAt) <= marginSeconds;
}

} // namespace outpost
