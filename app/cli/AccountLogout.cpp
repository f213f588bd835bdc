#include "Commands.h"

#include "SharedWords.h"
#include "accounts/AccountStore.h"
#include "accounts/OAuthSignOut.h"
#include "outbox/Service.h"

#include <QCommandLineParser>

namespace outpost::cli {

void AccountLogout::run(const QStringList &args)
{
    QCommandLineParser p;
    if (!parse(&p, QStringLiteral("account"), args, accountOptions()))
        return;
    const QStringList pos = p.positionalArguments();
    if (pos.size() != 1)
        return fail(Result::Usage, QStringLiteral("usage: outpost account logout NAME"));
    if (const Result r = openStore(); r != Result::Ok)
        return finish(r);
    const std::optional<Account> found = oauthAccountOrFail(pos.first());
    if (!found)
        return;
    const Account account = *found;
    auto *signOut = new OAuthSignOut(account, service()->oauthTokens(), this);
    connect(signOut, &OAuthSignOut::finished, this, [this, account](const SignOutResult &r) {
        const QString said = words::signOutText(r, account, words::Front::Terminal);
        switch (r.outcome) {
        case SignOutOutcome::Revoked:
        case SignOutOutcome::NoRevocation:
        case SignOutOutcome::NotSignedIn:
            out(said + QLatin1Char('\n'));
            // A running sender reads the accounts again; its next message finds no token.
            return finishAndNotify();
        case SignOutOutcome::RevokeFailed:
            err(said + QLatin1Char('\n'));
            return finishAndNotify(r.revocation.code == OAuthErrorCode::Network
                                       ? Result::ServerUnreachable
                                       : Result::ServerRefused);
        case SignOutOutcome::RemoveFailed:
            return fail(Result::NotStored, said);
        }
    });
    signOut->start();
}

} // namespace outpost::cli
