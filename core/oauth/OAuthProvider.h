#pragma once
// Who Outpost signs in with: the endpoints, scopes and SASL mechanism of an OAuth 2.0
// provider, with the submission server that takes its tokens, and the client registration
// (client id, and for Google the non-secret "client secret" of an installed app).

#include "smtp/Security.h"

#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <optional>

namespace outpost {

/// One OAuth 2.0 provider as Outpost uses it for SMTP submission. The built-in presets come
/// from oauthProviderPreset(); "custom" from customOAuthProvider(). A provider without a client
/// id cannot sign anyone in (OAuthErrorCode::NoClientId): Outpost has no registered client of
/// its own and never borrows another application's.
struct OAuthProvider
{
    QString id;                  ///< "microsoft", "google" or "custom"
    QString name;                ///< for people: "Microsoft (Outlook.com, Microsoft 365)"
    QUrl authorizationUrl;       ///< authorization endpoint (RFC 6749 §3.1)
    QUrl tokenUrl;               ///< token endpoint (RFC 6749 §3.2)
    QUrl deviceAuthorizationUrl; ///< RFC 8628 §3.1; empty when the provider does not offer it
    QUrl revocationUrl;          ///< RFC 7009 §2; empty when the provider has none
    QStringList scopes;          ///< requested scopes (RFC 6749 §3.3)
    /// Extra authorization request parameters, e.g. Google's access_type=offline, without which
    /// no refresh token is issued.
    QList<QPair<QString, QString>> extraAuthorizationParameters;
    /// SASL mechanisms the submission server takes the token with, preferred first
    /// ("XOAUTH2", "OAUTHBEARER"; RFC 7628).
    QStringList mechanisms;
    /// Host name of the loopback redirect URI (RFC 8252 §7.3). Outpost always listens on
    /// 127.0.0.1; "localhost" (which it then also serves on ::1) only where the provider's
    /// registration matches that spelling and not the IP literal.
    QString redirectHost = QStringLiteral("127.0.0.1");
    QString clientId;     ///< registered client id (RFC 6749 §2.2)
    QString clientSecret; ///< installed-app "secret" where required (Google); not a secret
    QString smtpHost;     ///< submission server preset
    quint16 smtpPort = 587;
    Security smtpSecurity = Security::StartTls;

    /// The scopes as the "scope" parameter: space-separated (RFC 6749 §3.3).
    QString scopeString() const;
};

/// The ids of the built-in providers: "microsoft", "google" (not "custom").
QStringList oauthProviderIds();

/// The built-in provider `id` ("microsoft" or "google", case-insensitive) with the client id
/// (and secret) the build was configured with (CMake OUTPOST_OAUTH_<PROVIDER>_CLIENT_ID, empty
/// by default), or nullopt for another id.
std::optional<OAuthProvider> oauthProviderPreset(const QString &id);

/// A provider the user describes: endpoints, space-separated scopes, one SASL mechanism
/// ("XOAUTH2" or "OAUTHBEARER"), and optionally the device authorization endpoint. The
/// submission server is the account's own (left empty here).
OAuthProvider customOAuthProvider(const QUrl &authorizationUrl, const QUrl &tokenUrl,
                                  const QString &scopes, const QString &mechanism,
                                  const QUrl &deviceAuthorizationUrl = {});

/// `provider` with the account's own client registration when `clientId` is not empty (the
/// user's --oauth-client-id; `clientSecret` then replaces the build's too, even when empty,
/// since a build's secret belongs to the build's id). Else `provider` unchanged.
OAuthProvider withClient(OAuthProvider provider, const QString &clientId,
                         const QString &clientSecret = {});

/// Why `provider` cannot be used, or an empty string. Checks: a client id; the endpoints are
/// absolute https URLs (RFC 6749 §3.1, §3.2; plain http only to a loopback address, for a
/// provider on this machine); at least one scope; a known mechanism. `needDevice` also
/// requires the device authorization endpoint.
QString oauthProviderProblem(const OAuthProvider &provider, bool needDevice = false);

/// True for a URL whose host is 127.0.0.0/8, ::1 or "localhost".
bool isLoopbackUrl(const QUrl &url);

} // namespace outpost
