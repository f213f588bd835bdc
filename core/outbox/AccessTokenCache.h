#pragma once

#include "oauth/OAuthError.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QObject>
#include <QSet>
#include <QString>

#include <functional>

namespace outpost {

class Clock;
class OAuthTokenStore;
struct Account;

/// The OAuth access tokens of the accounts, in memory only, shared by everything that signs in
/// for an account (SMTP submission and the IMAP copies in the Sent folder): one refresh at the
/// provider (RFC 6749 §6) serves both, however many sessions ask at once.
///
/// A token is handed out while it is valid for more than a minute by the Clock; then the next
/// request() reads the refresh token from the OAuthTokenStore again (another process may have
/// signed in anew) and exchanges it. A rotated refresh token is stored at once.
class AccessTokenCache : public QObject
{
    Q_OBJECT
public:
    /// Called with the outcome of request(): the access token in `result.tokens.accessToken`,
    /// or the error (OAuthErrorCode::InvalidGrant when not signed in or the provider refused the
    /// refresh token; Network, ServerError, BadResponse when the provider could not be asked;
    /// Configuration for an unusable provider or no token store).
    using Callback = std::function<void(const OAuthResult &result)>;

    explicit AccessTokenCache(const Clock *clock, QObject *parent = nullptr);
    ~AccessTokenCache() override;

    /// Where the refresh tokens are (not owned). Without one, every request fails as
    /// Configuration.
    void setTokenStore(OAuthTokenStore *store) { m_store = store; }

    /// The access token of OAuth `account` when one is held and valid for more than a minute;
    /// empty otherwise.
    QString valid(const QString &account) const;
    /// Gets an access token for OAuth `account` and calls `done` with it, never from inside
    /// the call: the one held when valid, else one refresh, shared by every request made while
    /// it runs.
    void request(const Account &account, Callback done);
    /// True while a refresh for `account` runs.
    bool isFetching(const QString &account) const { return m_waiting.contains(account); }

    /// A server refused `token` of `account` at sign-in: true when a fresh token is to be
    /// tried (the token is dropped, and the next one is marked as fetched after a refusal);
    /// false when `token` was itself fetched after a refusal (the server means it).
    bool retryAfterRefusal(const QString &account, const QString &token);
    /// A server accepted `token` of `account`: a later refusal is news again.
    void accepted(const QString &account, const QString &token);
    /// Drops `token` of `account` if it is the one held (an IMAP server refused it): the next
    /// request() refreshes, without the refusal bookkeeping of retryAfterRefusal().
    void drop(const QString &account, const QString &token);
    /// Forgets the token of `account` (a sign-out or a new sign-in).
    void forget(const QString &account);
    /// Refreshes made so far (the log, tests).
    int requests() const { return m_requests; }

private:
    struct Token
    {
        QString token;
        QDateTime expiresAt; ///< by the Clock; invalid: the provider did not say
        /// Fetched because a server refused the one before.
        bool afterRefusal = false;
    };
    void finish(const QString &account, const OAuthResult &result);
    void store(const Account &account, const OAuthResult &result, const QDateTime &requested,
               const QDateTime &requestedUtc);

    const Clock *m_clock;
    OAuthTokenStore *m_store = nullptr;
    QHash<QString, Token> m_tokens;
    QHash<QString, QList<Callback>> m_waiting; // account -> callers of the refresh running
    QSet<QString> m_refused; // accounts whose token was refused: the next is the retry
    int m_requests = 0;
};

} // namespace outpost
