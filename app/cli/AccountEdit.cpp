#include "Commands.h"

#include "AccountFields.h"
#include "SharedWords.h"

#include "accounts/AccountStore.h"
#include "accounts/CredentialStore.h"
#include "accounts/OAuthAccount.h"
#include "storage/Storage.h"

#include <QCommandLineParser>

namespace outpost::cli {

void AccountEdit::run(const QStringList &args)
{
    QCommandLineParser p;
    if (!parse(&p, QStringLiteral("account"), args, accountOptions()))
        return;
    const QStringList pos = p.positionalArguments();
    if (pos.size() != 1 || pos.first().isEmpty())
        return fail(Result::Usage,
                    QStringLiteral("usage: outpost account edit NAME --host H | --port P | ..."));
    const bool fromStdin = p.isSet(QStringLiteral("password-stdin"));
    if (p.isSet(QStringLiteral("password-command")) && fromStdin)
        return fail(Result::Usage,
                    QStringLiteral("give --password-command or --password-stdin, not both"));
    if (const Result r = openStore(); r != Result::Ok)
        return finish(r);
    const auto before = accountOrFail(pos.first());
    if (!before)
        return;
    Account after = *before;
    QStringList given;
    if (const auto problem = applyAccountFields(p, &after, &given))
        return fail(problem->result, problem->message);
    if (const auto problem = oauthFieldsProblem(after, given))
        return fail(problem->result, problem->message);
    // A change that leaves an OAuth account unable to sign in (its client id cleared where
    // the build has none) is refused; one that was unable already may stay so.
    if (after.oauth.enabled() && !oauthProviderProblem(oauthProviderForAccount(after)).isEmpty() &&
        oauthProviderProblem(oauthProviderForAccount(*before)).isEmpty())
        return fail(Result::Usage,
                    QStringLiteral("%1: the account could not sign in any more; give "
                                   "--oauth-client-id ID")
                        .arg(oauthProviderProblem(oauthProviderForAccount(after))));
    if (p.isSet(QStringLiteral("oauth")))
        return fail(Result::Usage,
                    QStringLiteral("the provider an account signs in with is chosen when it is "
                                   "added: outpost account remove %1, then outpost account add "
                                   "%1 --oauth ...")
                        .arg(before->name));
    if (given.isEmpty() && !fromStdin)
        return fail(Result::Usage,
                    QStringLiteral("say what to change, e.g. outpost account edit %1 --port 465 "
                                   "(outpost help account)")
                        .arg(before->name));

    const QString name = before->name;
    AccountStore *accounts = service()->accounts();
    const QStringList changes = describeAccountChanges(*before, after);
    if (!changes.isEmpty()) {
        QString error;
        if (!accounts->update(after, &error))
            return fail(Result::NotStored, error);
        out(QStringLiteral("Account \"%1\" changed:\n").arg(name));
        for (const QString &line : changes)
            out(QStringLiteral("  %1\n").arg(line));
        // A refresh token belongs to the client registration and provider that issued it.
        if (after.oauth.enabled() && !(before->oauth == after.oauth))
            out(QStringLiteral("Sign in again for the new sign-in settings: outpost account "
                               "login %1\n")
                    .arg(name));
    } else if (!fromStdin) {
        out(QStringLiteral("Account \"%1\" unchanged: it already has these settings.\n").arg(name));
    }

    // A pause ends when this edit changed what caused it (a new password for a refused login,
    // trust for an untrusted certificate, security or port for a failed TLS set-up, another
    // host for anything); its held messages are queued again, none is lost.
    const QString pauseClass = accounts->pauseClass(name);
    const bool fixed = !pauseClass.isEmpty() &&
                       (changeCanFix(*before, after, pauseClass) ||
                        (fromStdin && errorClassFromName(pauseClass) == ErrorClass::Auth));
    const auto release = [this, name, pauseClass, fixed] {
        if (pauseClass.isEmpty())
            return finishAndNotify();
        if (!fixed) {
            err(QStringLiteral("account \"%1\" stays paused: %2 This change does not touch "
                               "that; its messages stay held (outpost retry ID tries one anyway)")
                    .arg(name, words::errorClass(errorClassFromName(pauseClass),
                                                 words::Front::Terminal)));
            return finishAndNotify();
        }
        service()->accounts()->setPaused(name, false);
        const int released = service()->storage()->writeNow(&OutboxWriter::releaseAccount, name);
        if (released < 0)
            return fail(Result::TryLater,
                        QStringLiteral("the account was changed, but its held messages could "
                                       "not be released; outpost retry ID releases one"));
        out(QStringLiteral("The account is no longer paused; %1 held message(s) queued again.\n")
                .arg(released));
        finishAndNotify();
    };
    if (!fromStdin)
        return release();
    QByteArray input;
    console().readInput(&input); // standard input that cannot be read: an empty password
    service()->credentials()->writePassword(
        name, passwordLine(input), [this, name, release](bool ok, const QString &e) {
            if (!ok) {
                err(QStringLiteral("the password could not be stored in the system keychain "
                                   "(%1); use --password-command instead, e.g. outpost account "
                                   "edit %2 --password-command 'pass show mail/%2'")
                        .arg(e, name));
                return finishAndNotify(Result::NotStored);
            }
            out(QStringLiteral("The new password is kept in the system keychain.\n"));
            release();
        });
}

} // namespace outpost::cli
