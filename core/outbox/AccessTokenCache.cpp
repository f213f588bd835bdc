#include "AccessTokenCache.h"

#include "Clock.h"
#include "accounts/Account.h"
#include "accounts/OAuthAccount.h"
#include "oauth/TokenClient.h"

#include <QTimer>

#include <utility>

namespace outpost {

namespace {
/// A token valid for less than this (s) is refreshed before use: a session opened with it
/// must still sign in with it after connecting and TLS.
constexpr qint64 kTokenMarginSeconds = 60;
} // namespace

AccessTokenCache::AccessTokenCache(const Clock *clock, QObject *parent)
    : QObject(parent)
    , m_clock(clock)
{}

AccessTokenCache::~AccessTokenCache() = default;

QString AccessTokenCache::valid(const QString &account) const
{
    const auto it = m_tokens.constFind(account);
    if (it == m_tokens.cend() || it->token.isEmpty())
        return {};
    if (it->expiresAt.isValid() && m_clock->now().secsTo(it->expiresAt) <= kTokenMarginSeconds)
        return {};
    return it->token;
}

void AccessTokenCache::request(const Account &account, Callback done)
{
    const QString name = account.name;
    if (const QString token = valid(name); !token.isEmpty()) {
        OAuthResult r;
        r.tokens.accessToken = token;
        QTimer::singleShot(0, this, [done = std::move(done), r] { done(r); });
        return;
    }
    const bool running = m_waiting.contains(name);
    m_waiting[name].append(std::move(done));
    if (running)
        return;
    const OAuthProvider provider = oauthProviderForAccount(account);
    const QString problem = oauthProviderProblem(provider);
    if (!problem.isEmpty() || !m_store) {
        OAuthResult r;
        r.error = OAuthError::make(OAuthErrorCode::Configuration,
                                   problem.isEmpty() ? QStringLiteral("no token store") : problem);
        QTimer::singleShot(0, this, [this, name, r] { finish(name, r); });
        return;
    }
    const OAuthHttpOptions http = oauthHttpOptionsForAccount(account);
    // Read each time, not kept: `account login` in another process may have replaced it.
    m_store->read(account, [this, account, provider, http](bool ok, const QString &refreshToken,
                                                           const QString &why) {
        if (!ok) {
            OAuthResult r;
            r.error = OAuthError::make(OAuthErrorCode::InvalidGrant,
                                       QStringLiteral("not signed in: %1").arg(why));
            finish(account.name, r);
            return;
        }
        auto *client = new TokenClient(provider, http, this);
        const QDateTime requested = m_clock->now();
        const QDateTime requestedUtc = QDateTime::currentDateTimeUtc();
        ++m_requests;
        client->refresh(refreshToken,
                        [this, client, account, requested, requestedUtc](const OAuthResult &r) {
                            client->deleteLater();
                            store(account, r, requested, requestedUtc);
                            finish(account.name, r);
                        });
    });
}

void AccessTokenCache::store(const Account &account, const OAuthResult &r,
                             const QDateTime &requested, const QDateTime &requestedUtc)
{
    const QString name = account.name;
    if (!r.ok()) {
        const OAuthErrorCode code = r.error.code;
        if (code != OAuthErrorCode::Network && code != OAuthErrorCode::ServerError &&
            code != OAuthErrorCode::BadResponse)
            m_tokens.remove(name); // refused: only a new sign-in helps
        return;
    }
    if (r.tokens.refreshTokenRotated && m_store) {
        // RFC 6749 §6: the old refresh token may be dead already; keep the new one.
        m_store->write(account, r.tokens.refreshToken, [name](bool ok, const QString &e) {
            if (!ok)
                qWarning("outpost: the new refresh token of account %s could not be stored: %s",
                         qPrintable(name), qPrintable(e));
        });
    }
    Token t;
    t.token = r.tokens.accessToken;
    // The expiry by the Clock (tests move it), measured from when the request went out.
    if (r.tokens.expiresAt.isValid() && requested.isValid())
        t.expiresAt = requested.addMSecs(requestedUtc.msecsTo(r.tokens.expiresAt));
    t.afterRefusal = m_refused.remove(name);
    m_tokens.insert(name, t);
}

void AccessTokenCache::finish(const QString &account, const OAuthResult &result)
{
    const QList<Callback> callers = m_waiting.take(account);
    for (const Callback &done : callers)
        done(result);
}

bool AccessTokenCache::retryAfterRefusal(const QString &account, const QString &token)
{
    const auto it = m_tokens.find(account);
    if (it == m_tokens.end() || it->token != token)
        return true; // a token already replaced (or being replaced): try the new one
    if (it->afterRefusal)
        return false; // a fresh token refused too: the server means it
    m_tokens.erase(it);
    m_refused.insert(account);
    return true;
}

void AccessTokenCache::accepted(const QString &account, const QString &token)
{
    const auto it = m_tokens.find(account);
    if (it != m_tokens.end() && it->token == token)
        it->afterRefusal = false;
}

void AccessTokenCache::drop(const QString &account, const QString &token)
{
    const auto it = m_tokens.find(account);
    if (it != m_tokens.end() && it->token == token)
        m_tokens.erase(it);
}

void AccessTokenCache::forget(const QString &account)
{
    m_tokens.remove(account);
    m_refused.remove(account);
}

} // namespace outpost
