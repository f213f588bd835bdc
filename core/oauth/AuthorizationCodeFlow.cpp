#include "AuthorizationCodeFlow.h"

#include "Pkce.h"

#include <QHash>

namespace outpost {

namespace {

const QByteArray kDefaultSuccessPage =
    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Outpost</title></head>"
    "<body><p>Outpost is signed in. You can close this window.</p></body></html>\n";
const QByteArray kDefaultFailurePage =
    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Outpost</title></head>"
    "<body><p>Outpost could not sign in. You can close this window; Outpost says why.</p>"
    "</body></html>\n";

} // namespace

AuthorizationCodeFlow::AuthorizationCodeFlow(const OAuthProvider &provider,
                                             const OAuthHttpOptions &http, QObject *parent)
    : QObject(parent)
    , m_provider(provider)
    , m_http(http)
    , m_successPage(kDefaultSuccessPage)
    , m_failurePage(kDefaultFailurePage)
{
    m_timeout.setSingleShot(true);
    connect(&m_timeout, &QTimer::timeout, this, [this] {
        finish({OAuthError::make(OAuthErrorCode::BrowserTimeout,
                                 QStringLiteral("the browser did not come back within %1 s")
                                     .arg(m_browserTimeoutMs / 1000.0)),
                {}});
    });
    connect(&m_server, &LoopbackRedirectServer::callbackReceived, this,
            [this](const QUrlQuery &query) { onCallback(query); });
}

AuthorizationCodeFlow::~AuthorizationCodeFlow() = default;

void AuthorizationCodeFlow::setPages(const QByteArray &successHtml, const QByteArray &failureHtml)
{
    m_successPage = successHtml;
    m_failurePage = failureHtml;
}

void AuthorizationCodeFlow::start(const OpenBrowser &openBrowser)
{
    if (m_running)
        return;
    ++m_generation;
    m_running = true;
    m_authorizationUrl.clear();
    m_redirectUri.clear();

    const QString problem = oauthProviderProblem(m_provider);
    if (!problem.isEmpty()) {
        finishLater(OAuthError::make(m_provider.clientId.isEmpty() ? OAuthErrorCode::NoClientId
                                                                   : OAuthErrorCode::Configuration,
                                     problem));
        return;
    }
    QString error;
    if (!m_server.listen(m_provider.redirectHost, &error)) {
        finishLater(OAuthError::make(OAuthErrorCode::LoopbackFailed, error));
        return;
    }
    m_redirectUri = m_server.redirectUri();
    m_verifier = pkceVerifier();
    m_state = oauthState();

    // Parameters already in a custom provider's URL stay; ours follow (RFC 6749 §3.1).
    QUrlQuery query(m_provider.authorizationUrl.query(QUrl::FullyEncoded));
    addFormItem(query, QStringLiteral("response_type"), QStringLiteral("code"));
    addFormItem(query, QStringLiteral("client_id"), m_provider.clientId);
    addFormItem(query, QStringLiteral("redirect_uri"), m_redirectUri);
    addFormItem(query, QStringLiteral("scope"), m_provider.scopeString());
    addFormItem(query, QStringLiteral("state"), m_state);
    addFormItem(query, QStringLiteral("code_challenge"), pkceChallenge(m_verifier));
    addFormItem(query, QStringLiteral("code_challenge_method"), QStringLiteral("S256"));
    if (!m_loginHint.isEmpty())
        addFormItem(query, QStringLiteral("login_hint"), m_loginHint);
    for (const auto &[key, value] : std::as_const(m_provider.extraAuthorizationParameters))
        addFormItem(query, key, value);
    m_authorizationUrl = m_provider.authorizationUrl;
    m_authorizationUrl.setQuery(query);

    qCDebug(lcOAuth) << "authorization request for" << m_provider.id << "redirect to"
                     << m_redirectUri;
    m_timeout.start(m_browserTimeoutMs);
    if (openBrowser)
        openBrowser(m_authorizationUrl);
}

void AuthorizationCodeFlow::cancel()
{
    if (m_running)
        finish(
            {OAuthError::make(OAuthErrorCode::Cancelled, QStringLiteral("sign-in cancelled")), {}});
}

void AuthorizationCodeFlow::onCallback(const QUrlQuery &query)
{
    if (!m_running)
        return;
    m_timeout.stop();
    QHash<QString, QString> values;
    QHash<QString, int> counts;
    for (const auto &[key, value] : formItems(query)) {
        values.insert(key, value);
        ++counts[key];
    }
    const auto fail = [this](OAuthErrorCode code, const QString &why) {
        finish({OAuthError::make(code, why), {}});
    };
    // RFC 6749 §3.1: a parameter must not be sent twice; two codes or two states are forged.
    for (const char *key : {"state", "code", "error", "error_description"}) {
        if (counts.value(QLatin1String(key)) > 1) {
            fail(OAuthErrorCode::BadResponse,
                 QStringLiteral("the redirect carries \"%1\" twice").arg(QLatin1String(key)));
            return;
        }
    }
    // RFC 6749 §10.12: an answer to a request we did not make (CSRF) is refused before
    // anything in it is used, its error included.
    if (!values.contains(QStringLiteral("state")) ||
        values.value(QStringLiteral("state")) != m_state) {
        fail(OAuthErrorCode::StateMismatch,
             QStringLiteral("the redirect's state is not the one this sign-in sent"));
        return;
    }
    const QString error = values.value(QStringLiteral("error"));
    if (!error.isEmpty()) {
        OAuthError e = OAuthError::make(oauthErrorCodeForServerError(error),
                                        values.value(QStringLiteral("error_description")));
        // Only access_denied makes sense here (§4.1.2.1); invalid_grant and the like cannot
        // come from the authorization endpoint and stay "the provider said something else".
        if (e.code != OAuthErrorCode::AccessDenied)
            e.code = OAuthErrorCode::ServerError;
        e.serverCode = error.left(100);
        e.description = e.description.left(300);
        finish({e, {}});
        return;
    }
    const QString code = values.value(QStringLiteral("code"));
    if (code.isEmpty()) {
        fail(OAuthErrorCode::BadResponse, QStringLiteral("the redirect carries no code"));
        return;
    }
    emit browserReturned();
    if (!m_running)
        return; // cancelled from a browserReturned() slot
    m_tokens = new TokenClient(m_provider, m_http, this);
    m_tokens->exchangeCode(code, m_verifier, m_redirectUri,
                           [this, generation = m_generation](const OAuthResult &result) {
                               if (generation == m_generation)
                                   finish(result);
                           });
}

void AuthorizationCodeFlow::finishLater(const OAuthError &error)
{
    QTimer::singleShot(0, this, [this, error, generation = m_generation] {
        if (generation == m_generation && m_running)
            finish({error, {}});
    });
}

void AuthorizationCodeFlow::finish(const OAuthResult &result)
{
    if (!m_running)
        return;
    m_running = false;
    m_timeout.stop();
    m_server.respond(result.ok() ? 200 : 400, result.ok() ? m_successPage : m_failurePage);
    m_server.close();
    if (m_tokens) {
        m_tokens->abortAll();
        m_tokens->deleteLater();
        m_tokens = nullptr;
    }
    m_verifier.clear();
    m_state.clear();
    if (result.ok())
        qCDebug(lcOAuth) << "signed in with" << m_provider.id;
    else
        qCDebug(lcOAuth) << "sign-in ended:" << result.error.toString();
    emit finished(result);
}

} // namespace outpost
