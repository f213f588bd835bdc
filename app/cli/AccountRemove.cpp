#include "Commands.h"

#include "accounts/AccountStore.h"
#include "accounts/CredentialStore.h"
#include "accounts/OAuthAccount.h"
#include "storage/Storage.h"

#include <QCommandLineParser>

namespace outpost::cli {

void AccountRemove::run(const QStringList &args)
{
    QCommandLineParser p;
    if (!parse(&p, QStringLiteral("account"), args, accountOptions()))
        return;
    if (const Result r = openStore(); r != Result::Ok)
        return finish(r);
    const QStringList pos = p.positionalArguments();
    if (pos.size() != 1 || pos.first().isEmpty())
        return fail(Result::Usage, QStringLiteral("usage: outpost account remove NAME [--force]"));
    // An account that does not exist: 78, as for every account command, never 0 as if it had
    // been removed.
    const auto account = accountOrFail(pos.first());
    if (!account)
        return;
    const QString name = account->name;
    // Its waiting messages could never be sent: refuse, or fail them (--force), never leave
    // them queued with no account.
    const int unsent = service()->outbox()->unsentCount(name);
    if (unsent > 0 && !p.isSet(QStringLiteral("force")))
        return fail(Result::AccountHasMail,
                    QStringLiteral("account \"%1\" still has %2 message(s) not sent (queued, "
                                   "held or being sent): send them (outpost flush), cancel them "
                                   "(outpost cancel ID), or remove the account with --force, "
                                   "which fails them")
                        .arg(name)
                        .arg(unsent));
    if (unsent > 0) {
        const int failed = service()->storage()->writeNow(
            &OutboxWriter::failAccount, name,
            QStringLiteral("the account \"%1\" was removed").arg(name));
        if (failed < 0)
            return fail(Result::TryLater,
                        QStringLiteral("could not write the outbox; the account was kept"));
        err(QStringLiteral("%1 message(s) of account \"%2\" failed: the account was removed (a "
                           "message being sent now is not stopped)")
                .arg(failed)
                .arg(name));
    }
    QString error;
    if (!service()->accounts()->remove(name, &error))
        return fail(Result::NotStored, error);
    service()->credentials()->removePassword(name, [](bool, const QString &) {});
    if (account->oauth.enabled())
        service()->oauthTokens()->remove(*account, [](bool, const QString &) {});
    finishAndNotify();
}

} // namespace outpost::cli
