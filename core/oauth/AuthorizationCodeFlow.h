#pragma once
// Sign-in in the system browser: the authorization code grant (RFC 6749 §4.1) with PKCE S256
// (RFC 7636) and `state`, as a native app does it (RFC 8252): the browser is opened on the
// provider's page and comes back to a loopback redirect URI on 127.0.0.1.
//
// Why our own lines and not QtNetworkAuth's QOAuth2AuthorizationCodeFlow: Debian 12's Qt 6.4
// has no PKCE there (Qt 6.8) and no device grant (Qt 6.9); a failed token request is only
// logged as a warning (the tokenRequestErrorOccurred signal came in Qt 6.6, and even that
// does not pass the provider's "error" value), so invalid_grant could not be told from a
// network failure; and its reply handler always writes "localhost" into the redirect URI
// (RFC 8252 §8.3 recommends the 127.0.0.1 literal). PKCE through its parameter hook would fix
// one of these; the rest would be our code anyway. The flow itself is a few lines on
// QTcpServer and QNetworkAccessManager, and it spares a new build dependency
// (qt6-networkauth-dev here, Qt's NetworkAuth module in vcpkg and in the installers).

#include "LoopbackRedirectServer.h"
#include "OAuthError.h"
#include "OAuthProvider.h"
#include "TokenClient.h"

#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QUrl>

#include <functional>

namespace outpost {

/// One interactive sign-in. start() opens a loopback listener (127.0.0.1, port from the
/// system), builds the authorization URL (response_type=code, client_id, redirect_uri, scope,
/// state, code_challenge, code_challenge_method=S256, the provider's extra parameters) and
/// hands it to the caller's openBrowser (QDesktopServices::openUrl in the desktop app, "print
/// it" in a terminal: core opens nothing itself). When the browser comes back: the `state`
/// must be ours (else StateMismatch, nothing is exchanged), an error from the provider ends
/// the flow (access_denied: AccessDenied), a code is exchanged at the token endpoint with the
/// verifier; the browser then gets a small page saying whether it worked and that the window
/// can be closed. The wait for the browser is bounded (BrowserTimeout); the listener is closed
/// whatever the outcome. finished() is emitted exactly once per start().
class AuthorizationCodeFlow : public QObject
{
    Q_OBJECT
public:
    /// Called with the authorization URL; shows it to the user (opens the browser or prints).
    using OpenBrowser = std::function<void(const QUrl &)>;

    /// A flow for `provider` (with its client id: see withClient()).
    explicit AuthorizationCodeFlow(const OAuthProvider &provider, const OAuthHttpOptions &http = {},
                                   QObject *parent = nullptr);
    /// Closes the listener and aborts a running exchange; finished() is not emitted.
    ~AuthorizationCodeFlow() override;

    /// How long to wait for the browser to come back, in milliseconds (default 5 minutes).
    void setBrowserTimeoutMs(int ms) { m_browserTimeoutMs = ms; }
    /// The address to suggest on the sign-in page ("login_hint", understood by Microsoft and
    /// Google); empty: none.
    void setLoginHint(const QString &hint) { m_loginHint = hint; }
    /// The pages the browser shows at the end (HTML, UTF-8): the front ends pass them in
    /// their own, translated words; core's defaults are plain English.
    void setPages(const QByteArray &successHtml, const QByteArray &failureHtml);

    /// Starts the flow; ends in finished(). A provider that cannot be used ends it at once
    /// (NoClientId, Configuration), as does a loopback port that cannot be opened
    /// (LoopbackFailed); openBrowser is then not called. Ignored while the flow runs.
    void start(const OpenBrowser &openBrowser);
    /// Ends a running flow with Cancelled (the listener closed, a running code exchange
    /// aborted). Does nothing when not running.
    void cancel();
    /// True from start() until finished().
    bool isRunning() const { return m_running; }

    /// The URL handed to openBrowser (empty before start()).
    QUrl authorizationUrl() const { return m_authorizationUrl; }
    /// The loopback redirect URI, "http://127.0.0.1:PORT/" (empty before start()).
    QString redirectUri() const { return m_redirectUri; }

signals:
    /// The browser came back with a code; it is being exchanged for tokens now.
    void browserReturned();
    /// The flow ended: tokens, or why not (browser_timeout, state_mismatch, access_denied,
    /// invalid_grant, network, bad_response, cancelled, …).
    void finished(const outpost::OAuthResult &result);

private:
    void onCallback(const QUrlQuery &query);
    /// Ends the flow: the browser's page (when one is waiting), listener closed, signal.
    void finish(const OAuthResult &result);
    void finishLater(const OAuthError &error);

    OAuthProvider m_provider;
    OAuthHttpOptions m_http;
    LoopbackRedirectServer m_server;
    TokenClient *m_tokens = nullptr;
    QTimer m_timeout;
    int m_browserTimeoutMs = 5 * 60 * 1000;
    QString m_loginHint;
    QByteArray m_successPage;
    QByteArray m_failurePage;
    QString m_verifier;
    QString m_state;
    QString m_redirectUri;
    QUrl m_authorizationUrl;
    bool m_running = false;
    int m_generation = 0; ///< start() count: a late callback of an earlier run is ignored
};

} // namespace outpost
