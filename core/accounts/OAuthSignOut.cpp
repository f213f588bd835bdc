#include "OAuthSignOut.h"

#include "OAuthAccount.h"
#include "oauth/TokenClient.h"

#include <QTimer>

namespace outpost {

QString signOutOutcomeName(SignOutOutcome outcome)
{
    switch (outcome) {
    case SignOutOutcome::Revoked:
        return QStringLiteral("revoked");
    case SignOutOutcome::NoRevocation:
        return QStringLiteral("removed");
    case SignOutOutcome::NotSignedIn:
        return QStringLiteral("not_signed_in");
    case SignOutOutcome::RevokeFailed:
        return QStringLiteral("revoke_failed");
    case SignOutOutcome::RemoveFailed:
        return QStringLiteral("remove_failed");
    }
    return {};
}

OAuthSignOut::OAuthSignOut(const Account &account, OAuthTokenStore *tokens, QObject *parent)
    : QObject(parent)
    , m_account(account)
    , m_tokens(tokens)
{
    qRegisterMetaType<SignOutResult>();
}

OAuthSignOut::~OAuthSignOut()
{
    delete m_client; // aborts a running revocation; its callback is not called
}

void OAuthSignOut::start()
{
    if (m_started)
        return;
    m_started = true;
    QPointer<OAuthSignOut> self(this);
    // Always later, so that a caller may connect to finished() after start().
    QTimer::singleShot(0, this, [self] {
        if (!self)
            return;
        self->m_tokens->read(self->m_account, [self](bool ok, const QString &token,
                                                     const QString &) {
            if (!self)
                return;
            if (!ok) {
                // Nothing stored (never signed in, signed out before): a leftover file or
                // entry that could not be read is removed all the same.
                self->remove(SignOutOutcome::NotSignedIn, {});
                return;
            }
            const OAuthProvider provider = oauthProviderForAccount(self->m_account);
            if (provider.revocationUrl.isEmpty()) {
                self->remove(SignOutOutcome::NoRevocation, {});
                return;
            }
            self->m_client =
                new TokenClient(provider, oauthHttpOptionsForAccount(self->m_account), self);
            self->m_client->revoke(
                token, QStringLiteral("refresh_token"), [self](const OAuthError &e) {
                    if (!self)
                        return;
                    self->m_client->deleteLater();
                    self->remove(e.ok() ? SignOutOutcome::Revoked : SignOutOutcome::RevokeFailed,
                                 e);
                });
        });
    });
}

void OAuthSignOut::remove(SignOutOutcome outcome, const OAuthError &revocation)
{
    QPointer<OAuthSignOut> self(this);
    m_tokens->remove(m_account, [self, outcome, revocation](bool ok, const QString &why) {
        if (!self)
            return;
        SignOutResult r;
        r.outcome = ok ? outcome : SignOutOutcome::RemoveFailed;
        r.revocation = revocation;
        r.detail = ok ? QString() : why;
        self->finish(r);
    });
}

void OAuthSignOut::finish(const SignOutResult &result)
{
    // The store's callback may run inside start()'s read: report from the event loop.
    QPointer<OAuthSignOut> self(this);
    QTimer::singleShot(0, this, [self, result] {
        if (self)
            emit self->finished(result);
    });
}

} // namespace outpost
