#include "Commands.h"

#include "SharedWords.h"
#include "accounts/AccountStore.h"
#include "accounts/CredentialStore.h"
#include "accounts/OAuthAccount.h"
#include "oauth/AuthorizationCodeFlow.h"
#include "oauth/DeviceCodeFlow.h"

#include <QCommandLineParser>
#include <QProcess>

namespace outpost::cli {

namespace {
/// The result `account login` ends with for a flow that ended with `code`.
Result resultForSignIn(OAuthErrorCode code)
{
    switch (code) {
    case OAuthErrorCode::None:
        return Result::Ok;
    case OAuthErrorCode::BrowserTimeout:
    case OAuthErrorCode::ExpiredToken:
        return Result::SignInTimedOut;
    case OAuthErrorCode::StateMismatch:
    case OAuthErrorCode::AccessDenied:
    case OAuthErrorCode::InvalidGrant:
    case OAuthErrorCode::InvalidClient:
        return Result::SignInRefused;
    case OAuthErrorCode::Network:
    case OAuthErrorCode::BadResponse:
    case OAuthErrorCode::ServerError:
    case OAuthErrorCode::LoopbackFailed:
    case OAuthErrorCode::Cancelled:
        return Result::TryLater;
    case OAuthErrorCode::NoClientId:
    case OAuthErrorCode::Configuration:
        return Result::Usage;
    }
    return Result::Internal;
}

/// Hands `url` to the desktop's browser without waiting (the CLI links no QtGui, so no
/// QDesktopServices): xdg-open, open or the URL handler of Windows. False when none started.
bool openInBrowser(const QUrl &url)
{
#if defined(Q_OS_WIN)
    return QProcess::startDetached(
        QStringLiteral("rundll32"),
        {QStringLiteral("url.dll,FileProtocolHandler"), url.toString(QUrl::FullyEncoded)});
#elif defined(Q_OS_MACOS)
    return QProcess::startDetached(QStringLiteral("open"), {url.toString(QUrl::FullyEncoded)});
#else
    if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY"))
        return false;
    return QProcess::startDetached(QStringLiteral("xdg-open"), {url.toString(QUrl::FullyEncoded)});
#endif
}
} // namespace

void AccountLogin::run(const QStringList &args)
{
    QCommandLineParser p;
    if (!parse(&p, QStringLiteral("account"), args, accountOptions()))
        return;
    const QStringList pos = p.positionalArguments();
    if (pos.size() != 1)
        return fail(Result::Usage, QStringLiteral("usage: outpost account login NAME [--device] "
                                                  "[--no-browser] [--token-file]"));
    int timeoutSeconds = 300;
    if (p.isSet(QStringLiteral("timeout"))) {
        bool ok = false;
        timeoutSeconds = p.value(QStringLiteral("timeout")).toInt(&ok);
        if (!ok || timeoutSeconds < 1 || timeoutSeconds > 24 * 3600)
            return fail(Result::Usage,
                        QStringLiteral("--timeout needs a number of seconds from 1 to 86400"));
    }
    if (const Result r = openStore(); r != Result::Ok)
        return finish(r);
    const std::optional<Account> found = oauthAccountOrFail(pos.first());
    if (!found)
        return;
    const Account account = *found;
    const bool device = p.isSet(QStringLiteral("device"));
    const OAuthProvider provider = oauthProviderForAccount(account);
    if (const QString problem = oauthProviderProblem(provider, device); !problem.isEmpty())
        return fail(Result::Usage,
                    QStringLiteral("account \"%1\" cannot sign in: %2").arg(account.name, problem));
    const bool tokenFile =
        p.isSet(QStringLiteral("token-file")) || account.oauth.tokenStore == QLatin1String("file");
    const bool noBrowser = p.isSet(QStringLiteral("no-browser"));

    auto start = [this, account, provider, device, tokenFile, noBrowser, timeoutSeconds] {
        const OAuthHttpOptions http = oauthHttpOptionsForAccount(account);
        if (device) {
            auto *flow = new DeviceCodeFlow(provider, http, this);
            connect(flow, &DeviceCodeFlow::userCodeReady, this,
                    [this](const DeviceAuthorization &a) {
                        out(QStringLiteral("On any device, open %1 and enter the code %2\n")
                                .arg(a.verificationUri.toString(), a.userCode));
                        out(QStringLiteral("Waiting for you to approve (up to %1 minutes)...\n")
                                .arg((a.expiresInSeconds + 59) / 60));
                    });
            connect(flow, &DeviceCodeFlow::finished, this,
                    [this, account, tokenFile](const OAuthResult &r) {
                        onSignedIn(account, r, tokenFile);
                    });
            flow->start();
            return;
        }
        auto *flow = new AuthorizationCodeFlow(provider, http, this);
        flow->setBrowserTimeoutMs(timeoutSeconds * 1000);
        flow->setLoginHint(account.user);
        connect(flow, &AuthorizationCodeFlow::finished, this,
                [this, account, tokenFile](const OAuthResult &r) {
                    onSignedIn(account, r, tokenFile);
                });
        flow->start([this, noBrowser, timeoutSeconds](const QUrl &url) {
            const bool opened = !noBrowser && openInBrowser(url);
            out(opened ? QStringLiteral("Sign in in the browser that opened. If none did, open:\n")
                       : QStringLiteral("Open this address in a browser to sign in:\n"));
            out(url.toString(QUrl::FullyEncoded) + QLatin1Char('\n'));
            out(QStringLiteral("Waiting for the browser (up to %1 s)...\n").arg(timeoutSeconds));
        });
    };
    if (tokenFile)
        return start();
    // Before the user signs in, not after: a token that cannot be kept is a sign-in wasted.
    service()->credentials()->checkAvailable([this, account, start](bool ok, const QString &why) {
        if (ok)
            return start();
        err(QStringLiteral(
                "no system keychain is available to keep the sign-in (%1). Outpost can keep the "
                "refresh token in a file only you can read instead (%2); that is weaker than a "
                "keychain: anyone who can read your files can send mail as you. To do so: "
                "outpost account login %3 --token-file")
                .arg(why, service()->oauthTokens()->filePath(account.name), account.name));
        finish(Result::NotStored);
    });
}

void AccountLogin::onSignedIn(const Account &signedIn, const OAuthResult &r, bool tokenFile)
{
    if (!r.ok())
        return fail(resultForSignIn(r.error.code),
                    QStringLiteral("account %1: %2")
                        .arg(signedIn.name,
                             words::signInFailure(r.error, signedIn.name, words::Front::Terminal)));
    if (r.tokens.refreshToken.isEmpty())
        return fail(Result::SignInRefused,
                    QStringLiteral("account %1: the provider gave no refresh token, so Outpost "
                                   "could not send later without you (check the scopes: "
                                   "offline_access)")
                        .arg(signedIn.name));
    Account account = signedIn;
    account.oauth.tokenStore = tokenFile ? QStringLiteral("file") : QStringLiteral("keychain");
    service()->oauthTokens()->write(
        account, r.tokens.refreshToken, [this, account, signedIn](bool ok, const QString &e) {
            if (!ok)
                return fail(Result::NotStored,
                            QStringLiteral("account %1: signed in, but the token could not be "
                                           "kept: %2")
                                .arg(account.name, e));
            QString error;
            if (!(account.oauth == signedIn.oauth) &&
                !service()->accounts()->update(account, &error))
                return fail(Result::NotStored, error);
            if (account.oauth.tokenStore == QLatin1String("keychain") &&
                signedIn.oauth.tokenStore == QLatin1String("file"))
                service()->oauthTokens()->remove(signedIn, [](bool, const QString &) {});
            // Its messages held for "sign in again" go now.
            if (service()->accounts()->isPaused(account.name))
                service()->resumeAccount(account.name);
            out(QStringLiteral("signed in: account %1 sends as %2 (refresh token in %3)\n")
                    .arg(account.name, account.user,
                         account.oauth.tokenStore == QLatin1String("file")
                             ? service()->oauthTokens()->filePath(account.name)
                             : QStringLiteral("the system keychain")));
            finishAndNotify();
        });
}

} // namespace outpost::cli
