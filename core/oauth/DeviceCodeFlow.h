#pragma once
// Sign-in on a machine without a browser: the device authorization grant (RFC 8628). The
// user opens a URL on another device and types a short code; Outpost polls the token endpoint
// until they have.

#include "OAuthError.h"
#include "OAuthProvider.h"
#include "TokenClient.h"

#include <QElapsedTimer>
#include <QMetaType>
#include <QObject>
#include <QTimer>
#include <QUrl>

namespace outpost {

/// What the user needs to approve the sign-in elsewhere (RFC 8628 §3.2).
struct DeviceAuthorization
{
    QString userCode;             ///< the code to type ("WDJB-MJHT")
    QUrl verificationUri;         ///< where to type it
    QUrl verificationUriComplete; ///< the same with the code in it (for a QR code); may be empty
    int expiresInSeconds = 0;     ///< how long the code is valid
    int intervalSeconds = 5;      ///< the provider's minimum time between polls
};

/// One device sign-in. start() asks the device authorization endpoint for a code
/// (client_id, scope), emits userCodeReady() for the front end to show, then polls the token
/// endpoint (RFC 8628 §3.4) every `interval` seconds: "authorization_pending" polls again,
/// "slow_down" adds 5 seconds to the interval for good (§3.5), tokens end the flow,
/// "access_denied" ends it with AccessDenied, "expired_token" (or the code's lifetime ending
/// before the next poll is due) with ExpiredToken. A poll never goes out before its interval. A
/// poll that gets no answer (network, timeout, 5xx) is tried again with the interval doubled, until
/// the code expires (§3.5's backoff). A provider without a device endpoint ends at once with
/// Configuration. finished() is emitted exactly once per start().
class DeviceCodeFlow : public QObject
{
    Q_OBJECT
public:
    /// A flow for `provider` (with its client id: see withClient()).
    explicit DeviceCodeFlow(const OAuthProvider &provider, const OAuthHttpOptions &http = {},
                            QObject *parent = nullptr);
    /// Stops polling; finished() is not emitted.
    ~DeviceCodeFlow() override;

    /// How many milliseconds one second of the protocol lasts: the provider's `interval`,
    /// `expires_in` and slow_down's 5 seconds are multiplied by it. 1000; tests shorten it so
    /// that a pending, slow_down, success sequence takes milliseconds.
    void setTimeUnitMs(int ms) { m_unitMs = ms; }

    /// Starts the flow; ends in finished(). Ignored while the flow runs.
    void start();
    /// Ends a running flow with Cancelled (no further poll). Does nothing when not running.
    void cancel();
    /// True from start() until finished().
    bool isRunning() const { return m_running; }
    /// The current wait between polls in milliseconds (grows with slow_down and backoff).
    int pollIntervalMs() const { return m_intervalMs; }

signals:
    /// The code and the URL to show to the user; polling has started.
    void userCodeReady(const outpost::DeviceAuthorization &authorization);
    /// The flow ended: tokens, or why not (access_denied, expired_token, invalid_client,
    /// network, bad_response, cancelled, configuration, …).
    void finished(const outpost::OAuthResult &result);

private:
    void onAuthorization(const OAuthHttpReply &reply);
    void schedulePoll();
    void poll();
    void onPoll(const OAuthResult &result);
    void finish(const OAuthResult &result);

    OAuthProvider m_provider;
    TokenClient m_tokens;
    QTimer m_pollTimer;
    QElapsedTimer m_sinceCode;
    QString m_deviceCode;
    qint64 m_lifetimeMs = 0;
    int m_intervalMs = 5000;
    int m_unitMs = 1000;
    bool m_expiring = false; ///< the timer runs to the code's expiry, not to a poll
    bool m_running = false;
    int m_generation = 0;
};

} // namespace outpost

Q_DECLARE_METATYPE(outpost::DeviceAuthorization)
