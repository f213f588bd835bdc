#include "OAuthProvider.h"

#include "OAuthBuildConfig.h"

#include <QHostAddress>

namespace outpost {

namespace {

OAuthProvider microsoft()
{
    OAuthProvider p;
    p.id = QStringLiteral("microsoft");
    p.name = QStringLiteral("Microsoft (Outlook.com, Microsoft 365)");
    // The v2.0 endpoints of the "common" tenant take personal (Outlook.com) and work or school
    // (Microsoft 365) accounts alike.
    p.authorizationUrl =
        QUrl(QStringLiteral("https://login.microsoftonline.com/common/oauth2/v2.0/authorize"));
    p.tokenUrl = QUrl(QStringLiteral("https://login.microsoftonline.com/common/oauth2/v2.0/token"));
    p.deviceAuthorizationUrl =
        QUrl(QStringLiteral("https://login.microsoftonline.com/common/oauth2/v2.0/devicecode"));
    // No RFC 7009 endpoint: Microsoft's refresh tokens are revoked from the account's page.
    // offline_access is what makes the token endpoint issue a refresh token.
    p.scopes = {QStringLiteral("https://outlook.office.com/SMTP.Send"),
                QStringLiteral("offline_access")};
    p.mechanisms = {QStringLiteral("XOAUTH2")};
    // A public client registered with the redirect URI "http://localhost" accepts any port
    // on that name, and the app registration form documents that spelling, so Microsoft
    // gets "localhost" rather than the RFC 8252 §8.3 IP literal.
    p.redirectHost = QStringLiteral("localhost");
    p.clientId = QStringLiteral(OUTPOST_OAUTH_MICROSOFT_CLIENT_ID);
    // Same servers as smtp.office365.com; the name account discovery uses for Outlook.com.
    p.smtpHost = QStringLiteral("smtp-mail.outlook.com");
    p.smtpPort = 587;
    p.smtpSecurity = Security::StartTls;
    return p;
}

OAuthProvider google()
{
    OAuthProvider p;
    p.id = QStringLiteral("google");
    p.name = QStringLiteral("Google (Gmail)");
    p.authorizationUrl = QUrl(QStringLiteral("https://accounts.google.com/o/oauth2/v2/auth"));
    p.tokenUrl = QUrl(QStringLiteral("https://oauth2.googleapis.com/token"));
    // Google's device grant does not allow the Gmail scope, so there is no device sign-in.
    p.revocationUrl = QUrl(QStringLiteral("https://oauth2.googleapis.com/revoke"));
    p.scopes = {QStringLiteral("https://mail.google.com/")};
    // Without access_type=offline Google issues no refresh token; prompt=consent makes it
    // issue one again when the user signs in a second time.
    p.extraAuthorizationParameters = {{QStringLiteral("access_type"), QStringLiteral("offline")},
                                      {QStringLiteral("prompt"), QStringLiteral("consent")}};
    p.mechanisms = {QStringLiteral("OAUTHBEARER"), QStringLiteral("XOAUTH2")};
    p.clientId = QStringLiteral(OUTPOST_OAUTH_GOOGLE_CLIENT_ID);
    // Google's "Desktop app" clients must send their (published, non-secret) client secret.
    p.clientSecret = QStringLiteral(OUTPOST_OAUTH_GOOGLE_CLIENT_SECRET);
    p.smtpHost = QStringLiteral("smtp.gmail.com");
    p.smtpPort = 465;
    p.smtpSecurity = Security::Tls;
    return p;
}

// RFC 6749 §3.1 and §3.2 require TLS for both endpoints; plain http only reaches this machine.
QString endpointProblem(const QUrl &url, const QString &what)
{
    if (!url.isValid() || url.isRelative() || url.host().isEmpty())
        return QStringLiteral("the %1 is not an absolute URL").arg(what);
    if (url.scheme() == QLatin1String("https"))
        return {};
    if (url.scheme() == QLatin1String("http") && isLoopbackUrl(url))
        return {};
    return QStringLiteral("the %1 must be an https URL").arg(what);
}

} // namespace

QString OAuthProvider::scopeString() const
{
    return scopes.join(QLatin1Char(' '));
}

QStringList oauthProviderIds()
{
    return {QStringLiteral("microsoft"), QStringLiteral("google")};
}

std::optional<OAuthProvider> oauthProviderPreset(const QString &id)
{
    const QString key = id.trimmed().toLower();
    if (key == QLatin1String("microsoft"))
        return microsoft();
    if (key == QLatin1String("google"))
        return google();
    return std::nullopt;
}

OAuthProvider customOAuthProvider(const QUrl &authorizationUrl, const QUrl &tokenUrl,
                                  const QString &scopes, const QString &mechanism,
                                  const QUrl &deviceAuthorizationUrl)
{
    OAuthProvider p;
    p.id = QStringLiteral("custom");
    p.name = authorizationUrl.host();
    p.authorizationUrl = authorizationUrl;
    p.tokenUrl = tokenUrl;
    p.deviceAuthorizationUrl = deviceAuthorizationUrl;
    p.scopes = scopes.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    p.mechanisms = {mechanism.trimmed().toUpper()};
    return p;
}

OAuthProvider withClient(OAuthProvider provider, const QString &clientId,
                         const QString &clientSecret)
{
    if (!clientId.trimmed().isEmpty()) {
        provider.clientId = clientId.trimmed();
        provider.clientSecret = clientSecret;
    }
    return provider;
}

QString oauthProviderProblem(const OAuthProvider &provider, bool needDevice)
{
    if (provider.clientId.isEmpty())
        return QStringLiteral("no client id is configured for %1").arg(provider.id);
    QString why = endpointProblem(provider.authorizationUrl, QStringLiteral("authorization URL"));
    if (why.isEmpty())
        why = endpointProblem(provider.tokenUrl, QStringLiteral("token URL"));
    if (why.isEmpty() && !provider.deviceAuthorizationUrl.isEmpty())
        why = endpointProblem(provider.deviceAuthorizationUrl,
                              QStringLiteral("device authorization URL"));
    if (why.isEmpty() && !provider.revocationUrl.isEmpty())
        why = endpointProblem(provider.revocationUrl, QStringLiteral("revocation URL"));
    if (!why.isEmpty())
        return why;
    if (needDevice && provider.deviceAuthorizationUrl.isEmpty())
        return QStringLiteral("%1 offers no device sign-in").arg(provider.id);
    if (provider.scopes.isEmpty())
        return QStringLiteral("no scope is given");
    if (provider.mechanisms.isEmpty())
        return QStringLiteral("no SASL mechanism is given");
    for (const QString &m : provider.mechanisms) {
        if (m != QLatin1String("XOAUTH2") && m != QLatin1String("OAUTHBEARER"))
            return QStringLiteral("unknown SASL mechanism %1 (XOAUTH2 or OAUTHBEARER)").arg(m);
    }
    return {};
}

bool isLoopbackUrl(const QUrl &url)
{
    const QString host = url.host();
    if (host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0)
        return true;
    const QHostAddress address(host);
    return !address.isNull() && address.isLoopback();
}

} // namespace outpost
