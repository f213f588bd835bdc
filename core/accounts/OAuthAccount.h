#pragma once
// What an account's OAuth 2.0 sign-in is made of: its provider (with the client registration)
// and where its refresh token is kept.

#include "Account.h"
#include "CredentialStore.h"
#include "oauth/OAuthProvider.h"
#include "oauth/TokenClient.h"

#include <QString>

namespace outpost {

/// The provider `account` signs in with: the preset ("microsoft", "google") or the account's
/// own endpoints ("custom"), with the account's client id (and secret) when it has one, else
/// the build's. Check the result with oauthProviderProblem() before use.
OAuthProvider oauthProviderForAccount(const Account &account);

/// How the OAuth requests of `account` reach the provider: its extra CA certificates
/// (`caFile`) are trusted for the endpoints too.
OAuthHttpOptions oauthHttpOptionsForAccount(const Account &account);

/// Keeps the refresh token of each OAuth account (RFC 6749 §1.5): in the system keychain
/// through the CredentialStore (entry "ACCOUNT (OAuth refresh token)"), or, for an account whose
/// `oauth.tokenStore` is "file", in DATA/oauth/ACCOUNT.token, a file readable and writable only
/// by the user (0600 in a 0700 folder): the weaker choice, for machines without a keychain
/// service, since anyone who can read the user's files can send as them. Never in the outbox
/// database, a log or a command line. Callbacks run on the caller's thread, later or at once.
class OAuthTokenStore
{
public:
    /// Tokens of accounts with "keychain" go to `keychain` (not owned); files go under `dataDir`.
    OAuthTokenStore(CredentialStore *keychain, const QString &dataDir);

    /// Reads the refresh token of `account`; ok=false with why when there is none (never signed
    /// in, signed out) or it cannot be read.
    void read(const Account &account, CredentialStore::ReadCallback done);
    /// Stores (or replaces) the refresh token of `account`.
    void write(const Account &account, const QString &refreshToken,
               CredentialStore::WriteCallback done);
    /// Removes the refresh token of `account` (no error when there was none).
    void remove(const Account &account, CredentialStore::WriteCallback done);

    /// The token file of `account` (used when its token store is "file").
    QString filePath(const QString &account) const;
    /// The keychain entry name of `account`'s refresh token.
    static QString keychainKey(const QString &account);

private:
    CredentialStore *m_keychain;
    QString m_dataDir;
};

} // namespace outpost
