// `account add NAME --address ADDR --auto [--yes]`: the settings found from the address
// (core/accounts/AccountDiscovery), shown with where they came from, saved only when the user
// says so. Discovery itself sends no password anywhere; the probe says EHLO and QUIT.
#include "Commands.h"

#include "accounts/OAuthAccount.h"
#include "oauth/OAuthProvider.h"

#include "Words.h"

#include "accounts/AccountDiscovery.h"

namespace outpost::cli {

namespace {
/// Where the settings came from, in plain words.
QString origin(const DiscoveredSettings &f)
{
    switch (f.source) {
    case DiscoverySource::Preset:
        return QStringLiteral("Outpost's built-in settings for %1").arg(f.providerName);
    case DiscoverySource::Autoconfig:
    case DiscoverySource::WellKnown:
        return QStringLiteral("the provider's autoconfig file %1").arg(f.origin);
    case DiscoverySource::Srv:
        return QStringLiteral("the domain's DNS record %1").arg(f.origin);
    case DiscoverySource::Guess:
        return QStringLiteral("a guess: the %1 answered (EHLO only, no login)").arg(f.origin);
    }
    return f.origin;
}

/// How the provider wants this program to sign in, in plain words; `name` is the account's.
QString signIn(const DiscoveredSettings &f, const QString &name)
{
    switch (f.signIn) {
    case SignIn::Password:
        return QStringLiteral("the account's password");
    case SignIn::AppPassword:
        return QStringLiteral("an app password, made in the provider's security settings (your "
                              "normal password is refused)");
    case SignIn::OAuth:
        return QStringLiteral("sign-in in the browser (OAuth, %1): outpost account login %2, "
                              "once saved")
            .arg(f.oauthProvider, shellWord(name));
    }
    return {};
}

/// Puts the IMAP server found into `b` unless the user named one (--imap-host): the IMAP
/// options the user gave (`given`) win over the found ones. False when nothing was put in.
bool takeFoundImap(Account *b, const DiscoveredImap &found, const QStringList &given)
{
    if (found.host.isEmpty() || given.contains(QLatin1String("imap-host")))
        return false;
    b->imapHost = found.host;
    if (!given.contains(QLatin1String("imap-security")))
        b->imapSecurity = found.security;
    // The found port only goes with the found security (else the default of the user's).
    if (!given.contains(QLatin1String("imap-port")))
        b->imapPort = b->imapSecurity == found.security ? found.port : 0;
    if (!given.contains(QLatin1String("imap-user")))
        b->imapUser = found.user;
    return true;
}
} // namespace

void AccountAdd::discover(const Account &a, const QStringList &given, const QStringList &args,
                          const QString &address, bool yes, bool fromStdin, bool makeDefault)
{
    const DiscoveryOptions options =
        context().discovery ? *context().discovery : DiscoveryOptions{};
    auto *discovery = new AccountDiscovery(options, this);
    if (console().isTerminal(Console::Stream::Err))
        connect(discovery, &AccountDiscovery::stepStarted, this,
                [this](DiscoverySource, const QString &what) {
                    console().status(QStringLiteral("Looking: %1").arg(what));
                });
    connect(
        discovery, &AccountDiscovery::finished, this,
        [this, discovery, a, given, args, address, yes, fromStdin,
         makeDefault](const std::optional<DiscoveredSettings> &found, const QStringList &tried) {
            discovery->deleteLater();
            console().clearStatus();
            if (!found) {
                err(QStringLiteral("no settings found for %1. Tried:").arg(address));
                for (const QString &t : tried)
                    console().errLine(QStringLiteral("  ") + oneLine(t));
                return fail(Result::ServerUnreachable,
                            QStringLiteral("give the server yourself: outpost account add %1 "
                                           "--host H --port P --security tls|starttls --user U "
                                           "--from %2")
                                .arg(shellWord(a.name), shellWord(address)));
            }
            Account b = a;
            b.host = found->host;
            b.port = found->port;
            b.security = found->security;
            if (b.user.isEmpty())
                b.user = found->user.isEmpty() ? address : found->user;
            if (b.from.isEmpty())
                b.from = address;
            const bool imapFound = takeFoundImap(&b, found->imap, given);
            QString noClientId;
            if (found->signIn == SignIn::OAuth) {
                // An OAuth account as `--oauth PROVIDER` makes it: without its provider it
                // could neither sign in nor send.
                b.auth = QStringLiteral("xoauth2");
                b.oauth.provider = found->oauthProvider;
                b.passwordCommand.clear();
                if (!oauthProviderProblem(oauthProviderForAccount(b)).isEmpty())
                    noClientId =
                        QStringLiteral("this build of Outpost has no client id for %1: register "
                                       "one (README: \"Signing in with Microsoft or Google\") "
                                       "and give it with --oauth-client-id ID")
                            .arg(found->oauthProvider);
            }
            out(QStringLiteral("Found settings for %1 from %2:\n").arg(address, origin(*found)));
            out(QStringLiteral("  server:   %1 port %2, %3\n")
                    .arg(b.host)
                    .arg(b.port)
                    .arg(securityName(b.security)));
            out(QStringLiteral("  login:    %1 with %2\n").arg(b.user, signIn(*found, b.name)));
            out(QStringLiteral("  from:     %1\n").arg(b.from));
            out(autoImapLine(b, imapFound));
            if (!found->helpUrl.isEmpty())
                out(QStringLiteral("  help:     %1\n").arg(found->helpUrl));
            if (!found->capabilities.isEmpty())
                out(QStringLiteral("  offers:   %1\n")
                        .arg(found->capabilities.join(QLatin1String(", "))));
            if (found->needsConfirmation)
                out(QStringLiteral("  check:    %1\n").arg(oneLine(found->confirmWhy)));
            if (!noClientId.isEmpty())
                out(QStringLiteral("  needs:    %1\n").arg(noClientId));
            if (yes && !noClientId.isEmpty())
                return fail(
                    Result::Usage,
                    QStringLiteral("not saved: %1 (add it to the command above)").arg(noClientId));
            if (yes && fromStdin && b.oauth.enabled())
                return fail(Result::Usage, QStringLiteral("an OAuth account has no password: "
                                                          "sign in with `outpost account login` "
                                                          "instead"));
            if (!yes) {
                // Nothing is stored and no password goes anywhere until the user accepts. The
                // command to accept is the user's own, every option kept, with --yes (and the
                // client id it still needs).
                QStringList words;
                for (const QString &w : args)
                    words << shellWord(w);
                if (!noClientId.isEmpty() && !given.contains(QLatin1String("oauth-client-id")))
                    words << QStringLiteral("--oauth-client-id ID");
                out(QStringLiteral("Not saved. If these are right, save them with --yes:\n"
                                   "  outpost account add %1 --yes\n"
                                   "or give them yourself with --host, --port and --security "
                                   "instead of --auto.\n")
                        .arg(words.join(QLatin1Char(' '))));
                return finish(Result::Usage);
            }
            out(QStringLiteral("Saving them as account \"%1\"; check it with: outpost account "
                               "test %2\n")
                    .arg(b.name, shellWord(b.name)));
            save(b, fromStdin, makeDefault);
        });
    discovery->start(address);
}

} // namespace outpost::cli
