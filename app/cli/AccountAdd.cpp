#include "Commands.h"

#include "AccountFields.h"

#include "accounts/AccountStore.h"
#include "accounts/CredentialStore.h"
#include "accounts/OAuthAccount.h"

#include <QCommandLineParser>

namespace outpost::cli {

void AccountAdd::run(const QStringList &args)
{
    QCommandLineParser p;
    if (!parse(&p, QStringLiteral("account"), args, accountOptions()))
        return;
    if (const Result r = openStore(); r != Result::Ok)
        return finish(r);
    const QStringList pos = p.positionalArguments();
    Account a;
    a.name = pos.value(0);
    QStringList given;
    if (const auto problem = applyAccountFields(p, &a, &given))
        return fail(problem->result, problem->message);
    if (p.isSet(QStringLiteral("oauth"))) {
        // Sign-in with OAuth 2.0: the provider brings the server unless the user names one.
        AccountOAuth &o = a.oauth;
        o.provider = p.value(QStringLiteral("oauth")).toLower();
        const std::optional<OAuthProvider> preset = oauthProviderPreset(o.provider);
        if (!preset && o.provider != QLatin1String("custom"))
            return fail(Result::Usage, QStringLiteral("--oauth is microsoft, google or custom"));
        if (const auto problem = oauthFieldsProblem(a, given))
            return fail(problem->result, problem->message);
        if (p.isSet(QStringLiteral("password-command")) ||
            p.isSet(QStringLiteral("password-stdin")))
            return fail(Result::Usage, QStringLiteral("an OAuth account has no password: sign in "
                                                      "with `outpost account login` instead"));
        if (!p.isSet(QStringLiteral("auth")))
            a.auth = preset ? preset->mechanisms.value(0).toLower() : QStringLiteral("xoauth2");
        if (a.auth != QLatin1String("xoauth2") && a.auth != QLatin1String("oauthbearer"))
            return fail(Result::Usage,
                        QStringLiteral("--auth is xoauth2 or oauthbearer with --oauth"));
        if (preset && !preset->mechanisms.contains(a.auth.toUpper()))
            return fail(Result::Usage,
                        QStringLiteral("%1 takes %2")
                            .arg(preset->name, preset->mechanisms.join(QLatin1String(" or "))));
        if (preset) {
            if (a.host.isEmpty())
                a.host = preset->smtpHost;
            if (!p.isSet(QStringLiteral("security")))
                a.security = preset->smtpSecurity;
            if (!p.isSet(QStringLiteral("port")))
                a.port = preset->smtpPort;
        }
        if (a.user.isEmpty())
            return fail(
                Result::Usage,
                QStringLiteral("--oauth needs --user ADDRESS (the address you sign in as)"));
        const QString problem = oauthProviderProblem(oauthProviderForAccount(a));
        if (!problem.isEmpty() && preset && oauthProviderForAccount(a).clientId.isEmpty())
            return fail(Result::Usage,
                        QStringLiteral("this build of Outpost has no client id for %1: register "
                                       "one (README: \"Signing in with Microsoft or Google\") and "
                                       "give it with --oauth-client-id")
                            .arg(preset->name));
        if (!problem.isEmpty())
            return fail(Result::Usage, QStringLiteral("--oauth %1: %2").arg(o.provider, problem));
    }
    const bool autoFind = p.isSet(QStringLiteral("auto"));
    // With --auto the provider found may sign in with OAuth: its client id is for that.
    if (!autoFind)
        if (const auto problem = oauthFieldsProblem(a, given))
            return fail(problem->result, problem->message);
    if (a.name.isEmpty() || (a.host.isEmpty() && !autoFind))
        return fail(Result::Usage,
                    QStringLiteral("usage: outpost account add NAME --host H ... | outpost "
                                   "account add NAME --address ADDR --auto [--yes]"));
    for (const QChar c : std::as_const(a.name)) {
        // A name is shown in lists, logs and the tray: no control characters.
        if (c.category() == QChar::Other_Control || c.category() == QChar::Other_Format)
            return fail(Result::Usage,
                        QStringLiteral("an account name cannot hold control characters: \"%1\"")
                            .arg(a.name));
    }
    const bool fromStdin = p.isSet(QStringLiteral("password-stdin"));
    if (p.isSet(QStringLiteral("password-command")) && fromStdin)
        return fail(Result::Usage,
                    QStringLiteral("give --password-command or --password-stdin, not both"));
    const bool makeDefault = p.isSet(QStringLiteral("default"));
    if (autoFind) {
        if (p.isSet(QStringLiteral("host")) || p.isSet(QStringLiteral("port")) ||
            p.isSet(QStringLiteral("security")))
            return fail(Result::Usage,
                        QStringLiteral("--auto finds the server, port and security itself; give "
                                       "them without --auto to set them yourself"));
        if (!p.isSet(QStringLiteral("address")))
            return fail(Result::Usage, QStringLiteral("--auto needs --address ADDR"));
        if (service()->accounts()->find(a.name))
            return fail(Result::NotStored,
                        QStringLiteral("an account named \"%1\" exists already").arg(a.name));
        // A provider that signs in with OAuth needs the user's client registration unless
        // this build brings one.
        return discover(a, given, args, p.value(QStringLiteral("address")),
                        p.isSet(QStringLiteral("yes")), fromStdin, makeDefault);
    }
    if (p.isSet(QStringLiteral("address")))
        return fail(Result::Usage, QStringLiteral("--address goes with --auto (use --from to "
                                                  "set the sender of an account you describe)"));
    save(a, fromStdin, makeDefault);
}

void AccountAdd::save(const Account &a, bool fromStdin, bool makeDefault)
{
    AccountStore *accounts = service()->accounts();
    QString error;
    if (!accounts->add(a, &error))
        return fail(Result::NotStored, error);
    if (makeDefault || accounts->list().size() == 1)
        accounts->setDefaultAccount(a.name, &error);
    if (a.oauth.enabled())
        out(QStringLiteral("account %1 added; sign in with: outpost account login %1\n")
                .arg(a.name));
    else if (a.usesAuth() && a.passwordCommand.isEmpty() && !fromStdin)
        // Nothing to log in with yet: say how to give it, or the first flush is a refusal.
        out(QStringLiteral("account %1 added; give its password with: outpost account edit %1 "
                           "--password-stdin (kept in the system keychain), or "
                           "--password-command CMD\n")
                .arg(a.name));
    if (!fromStdin)
        return finishAndNotify();
    QByteArray input;
    console().readInput(&input); // standard input that cannot be read: an empty password
    const QString name = a.name;
    service()->credentials()->writePassword(
        name, passwordLine(input), [this, name](bool ok, const QString &e) {
            if (ok)
                return finishAndNotify();
            err(QStringLiteral("the account was added, but its password could not be stored in "
                               "the system keychain (%1). Use --password-command instead, e.g. "
                               "outpost account remove %2 && outpost account add %2 ... "
                               "--password-command 'pass show mail/%2'")
                    .arg(e, name));
            finishAndNotify(Result::NotStored);
        });
}

} // namespace outpost::cli
