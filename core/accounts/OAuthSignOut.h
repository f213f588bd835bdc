#pragma once
// Signing an OAuth account out: the refresh token revoked at the provider where it can be
// (RFC 7009), and removed from where Outpost keeps it.

#include "Account.h"
#include "oauth/OAuthError.h"

#include <QMetaType>
#include <QObject>
#include <QPointer>

namespace outpost {

class OAuthTokenStore;
class TokenClient;

/// How a sign-out went. The token is removed whatever the revocation did: the user asked not
/// to be signed in on this machine any more. The names (signOutOutcomeName()) are stable.
enum class SignOutOutcome
{
    Revoked,      ///< "revoked": the provider revoked the refresh token, and it was removed
    NoRevocation, ///< "removed": the provider has no revocation endpoint (Microsoft); removed
    NotSignedIn,  ///< "not_signed_in": there was no refresh token to revoke or remove
    RevokeFailed, ///< "revoke_failed": removed here, but the provider could not be told
    RemoveFailed, ///< "remove_failed": the keychain or the token file could not be changed
};

/// The stable name of `outcome` ("revoked", "removed", …).
QString signOutOutcomeName(SignOutOutcome outcome);

/// The outcome of one sign-out, with what the provider said when revocation failed and the
/// store's words when removal failed.
struct SignOutResult
{
    SignOutOutcome outcome = SignOutOutcome::NotSignedIn;
    OAuthError revocation; ///< RevokeFailed: why (network, the provider's error)
    QString detail;        ///< RemoveFailed: the store's reason
    /// True when no refresh token of the account is left on this machine.
    bool removed() const { return outcome != SignOutOutcome::RemoveFailed; }
};

/// One sign-out of `account`: reads its refresh token from the OAuthTokenStore, revokes it at
/// the provider's revocation endpoint (RFC 7009 §2.1, token_type_hint "refresh_token"; a
/// provider revokes the access tokens of the same grant with it, §2.1) where the provider has
/// one, then removes it from the store. Revoking an already dead token is a success (§2.2: the
/// provider answers 200). finished() is emitted exactly once, never inside start(). The
/// account's messages are not touched: the next send finds no refresh token and holds them as
/// "sign in again", as for a revoked token.
class OAuthSignOut : public QObject
{
    Q_OBJECT
public:
    /// A sign-out of `account` with `tokens` (not owned; must outlive this object).
    OAuthSignOut(const Account &account, OAuthTokenStore *tokens, QObject *parent = nullptr);
    ~OAuthSignOut() override;

    /// Starts; ends in finished(). Ignored when already started.
    void start();
    const Account &account() const { return m_account; }

signals:
    void finished(const outpost::SignOutResult &result);

private:
    void remove(SignOutOutcome outcome, const OAuthError &revocation);
    void finish(const SignOutResult &result);

    Account m_account;
    OAuthTokenStore *m_tokens;
    QPointer<TokenClient> m_client;
    bool m_started = false;
};

} // namespace outpost

Q_DECLARE_METATYPE(outpost::SignOutResult)
