#include "OAuthAccount.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QSslCertificate>

namespace outpost {

OAuthProvider oauthProviderForAccount(const Account &account)
{
    const AccountOAuth &o = account.oauth;
    const QString mechanism = account.auth.toUpper();
    OAuthProvider p;
    if (o.provider == QLatin1String("custom")) {
        p = customOAuthProvider(QUrl(o.authorizeUrl), QUrl(o.tokenUrl), o.scope, mechanism,
                                QUrl(o.deviceUrl));
        p.revocationUrl = QUrl(o.revokeUrl);
    } else if (const std::optional<OAuthProvider> preset = oauthProviderPreset(o.provider)) {
        p = *preset;
        // The account's mechanism first: Google takes both.
        p.mechanisms.removeAll(mechanism);
        p.mechanisms.prepend(mechanism);
    } else {
        p.id = o.provider;
    }
    return withClient(p, o.clientId, o.clientSecret);
}

OAuthHttpOptions oauthHttpOptionsForAccount(const Account &account)
{
    OAuthHttpOptions http;
    if (!account.caFile.isEmpty())
        http.extraCaCertificates = QSslCertificate::fromPath(account.caFile, QSsl::Pem);
    return http;
}

OAuthTokenStore::OAuthTokenStore(CredentialStore *keychain, const QString &dataDir)
    : m_keychain(keychain)
    , m_dataDir(dataDir)
{}

QString OAuthTokenStore::keychainKey(const QString &account)
{
    return account + QStringLiteral(" (OAuth refresh token)");
}

QString OAuthTokenStore::filePath(const QString &account) const
{
    // Any account name makes one plain file name: percent-encoded but for letters and digits.
    return m_dataDir + QStringLiteral("/oauth/") +
           QString::fromLatin1(account.toUtf8().toPercentEncoding({}, "~.")) +
           QStringLiteral(".token");
}

void OAuthTokenStore::read(const Account &account, CredentialStore::ReadCallback done)
{
    if (account.oauth.tokenStore != QLatin1String("file")) {
        m_keychain->readPassword(keychainKey(account.name), std::move(done));
        return;
    }
    QFile f(filePath(account.name));
    if (!f.exists())
        return done(false, {}, QStringLiteral("no refresh token in %1").arg(f.fileName()));
    if (!f.open(QIODevice::ReadOnly))
        return done(false, {}, QStringLiteral("%1: %2").arg(f.fileName(), f.errorString()));
    const QString token = QString::fromUtf8(f.readAll()).trimmed();
    if (token.isEmpty())
        return done(false, {}, QStringLiteral("%1 is empty").arg(f.fileName()));
    done(true, token, {});
}

void OAuthTokenStore::write(const Account &account, const QString &refreshToken,
                            CredentialStore::WriteCallback done)
{
    if (account.oauth.tokenStore != QLatin1String("file")) {
        m_keychain->writePassword(keychainKey(account.name), refreshToken, std::move(done));
        return;
    }
    const QString path = filePath(account.name);
    const QString folder = QFileInfo(path).absolutePath();
    if (!QDir().mkpath(folder) ||
        !QFile::setPermissions(folder, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner))
        return done(false, QStringLiteral("cannot make the folder %1").arg(folder));
    QSaveFile f(path);
    // Readable by the user alone from the first byte (main() sets umask 077 too).
    if (!f.open(QIODevice::WriteOnly) || !f.setPermissions(QFile::ReadOwner | QFile::WriteOwner) ||
        f.write(refreshToken.toUtf8() + '\n') < 0 || !f.commit())
        return done(false, QStringLiteral("%1: %2").arg(path, f.errorString()));
    done(true, {});
}

void OAuthTokenStore::remove(const Account &account, CredentialStore::WriteCallback done)
{
    if (account.oauth.tokenStore != QLatin1String("file")) {
        m_keychain->removePassword(keychainKey(account.name), std::move(done));
        return;
    }
    QFile f(filePath(account.name));
    if (f.exists() && !f.remove())
        return done(false, QStringLiteral("%1: %2").arg(f.fileName(), f.errorString()));
    done(true, {});
}

} // namespace outpost
