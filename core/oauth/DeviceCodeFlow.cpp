#include "DeviceCodeFlow.h"

#include <algorithm>

namespace outpost {

namespace {

/// RFC 8628 §3.2: without "interval" the client waits 5 seconds between polls.
constexpr int kDefaultIntervalSeconds = 5;
/// RFC 8628 §3.5: slow_down adds 5 seconds to the interval.
constexpr int kSlowDownSeconds = 5;
/// The longest user code shown (characters); real ones are 8 or 9.
constexpr qsizetype kMaxUserCode = 64;

bool isPrintableAscii(const QString &s)
{
    return std::all_of(s.cbegin(), s.cend(),
                       [](QChar c) { return c.unicode() >= 0x20 && c.unicode() < 0x7F; });
}

bool isWebUrl(const QUrl &url)
{
    return url.isValid() && !url.host().isEmpty() &&
           (url.scheme() == QLatin1String("https") || url.scheme() == QLatin1String("http"));
}

int secondsValue(const QJsonValue &v, int fallback)
{
    if (v.isDouble())
        return int(v.toDouble());
    if (v.isString()) {
        bool ok = false;
        const int n = v.toString().toInt(&ok);
        return ok ? n : fallback;
    }
    return fallback;
}

} // namespace

DeviceCodeFlow::DeviceCodeFlow(const OAuthProvider &provider, const OAuthHttpOptions &http,
                               QObject *parent)
    : QObject(parent)
    , m_provider(provider)
    , m_tokens(provider, http)
{
    m_pollTimer.setSingleShot(true);
    // A coarse timer may fire up to 5 % early: a poll must not come before its interval.
    m_pollTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_pollTimer, &QTimer::timeout, this, [this] { poll(); });
}

DeviceCodeFlow::~DeviceCodeFlow() = default;

void DeviceCodeFlow::start()
{
    if (m_running)
        return;
    ++m_generation;
    m_running = true;
    m_deviceCode.clear();
    const QString problem = oauthProviderProblem(m_provider, true);
    if (!problem.isEmpty()) {
        const OAuthError e =
            OAuthError::make(m_provider.clientId.isEmpty() ? OAuthErrorCode::NoClientId
                                                           : OAuthErrorCode::Configuration,
                             problem);
        QTimer::singleShot(0, this, [this, e, generation = m_generation] {
            if (generation == m_generation)
                finish({e, {}});
        });
        return;
    }
    QUrlQuery form;
    addFormItem(form, QStringLiteral("scope"), m_provider.scopeString());
    m_tokens.postForm(m_provider.deviceAuthorizationUrl, form,
                      [this, generation = m_generation](const OAuthHttpReply &reply) {
                          if (generation == m_generation)
                              onAuthorization(reply);
                      });
}

void DeviceCodeFlow::cancel()
{
    if (m_running)
        finish(
            {OAuthError::make(OAuthErrorCode::Cancelled, QStringLiteral("sign-in cancelled")), {}});
}

void DeviceCodeFlow::onAuthorization(const OAuthHttpReply &reply)
{
    if (!reply.error.ok()) {
        finish({reply.error, {}});
        return;
    }
    const QJsonObject &o = reply.body;
    DeviceAuthorization a;
    a.userCode = o.value(QLatin1String("user_code")).toString();
    // Google spelled it "verification_url" before RFC 8628.
    QJsonValue uri = o.value(QLatin1String("verification_uri"));
    if (uri.isUndefined())
        uri = o.value(QLatin1String("verification_url"));
    a.verificationUri = QUrl(uri.toString(), QUrl::StrictMode);
    const QUrl complete(o.value(QLatin1String("verification_uri_complete")).toString(),
                        QUrl::StrictMode);
    if (isWebUrl(complete))
        a.verificationUriComplete = complete;
    a.expiresInSeconds = secondsValue(o.value(QLatin1String("expires_in")), 0);
    a.intervalSeconds =
        std::max(1, secondsValue(o.value(QLatin1String("interval")), kDefaultIntervalSeconds));
    const QString deviceCode = o.value(QLatin1String("device_code")).toString();
    // The user code and URL are shown to the user: they must be short, printable, and a web
    // address, whatever the provider sent.
    if (deviceCode.isEmpty() || a.userCode.isEmpty() || a.userCode.size() > kMaxUserCode ||
        !isPrintableAscii(a.userCode) || !isWebUrl(a.verificationUri) || a.expiresInSeconds <= 0) {
        finish({OAuthError::make(OAuthErrorCode::BadResponse,
                                 QStringLiteral("the device authorization answer lacks "
                                                "device_code, user_code, verification_uri or "
                                                "expires_in")),
                {}});
        return;
    }
    m_deviceCode = deviceCode;
    m_lifetimeMs = qint64(a.expiresInSeconds) * m_unitMs;
    m_intervalMs = a.intervalSeconds * m_unitMs;
    m_sinceCode.start();
    const int generation = m_generation;
    emit userCodeReady(a);
    if (generation == m_generation && m_running)
        schedulePoll();
}

void DeviceCodeFlow::schedulePoll()
{
    const qint64 left = m_lifetimeMs - m_sinceCode.elapsed();
    // A poll never goes out before the interval has passed (the provider would answer
    // slow_down); when the code expires first, the flow ends then without polling.
    m_expiring = left <= m_intervalMs;
    m_pollTimer.start(int(std::max<qint64>(0, m_expiring ? left : m_intervalMs)));
}

void DeviceCodeFlow::poll()
{
    if (!m_running)
        return;
    if (m_expiring) {
        finish({OAuthError::make(OAuthErrorCode::ExpiredToken,
                                 QStringLiteral("the code expired before it was approved")),
                {}});
        return;
    }
    m_tokens.pollDeviceCode(m_deviceCode,
                            [this, generation = m_generation](const OAuthResult &result) {
                                if (generation == m_generation)
                                    onPoll(result);
                            });
}

void DeviceCodeFlow::onPoll(const OAuthResult &result)
{
    if (!m_running)
        return;
    if (result.ok()) {
        finish(result);
        return;
    }
    const OAuthError &e = result.error;
    if (e.serverCode == QLatin1String("authorization_pending")) {
        schedulePoll();
    } else if (e.serverCode == QLatin1String("slow_down")) {
        m_intervalMs += kSlowDownSeconds * m_unitMs;
        schedulePoll();
    } else if (e.code == OAuthErrorCode::Network) {
        // §3.5: back off on a connection problem, within the code's lifetime.
        m_intervalMs = int(std::min<qint64>(qint64(m_intervalMs) * 2, 3600LL * m_unitMs));
        qCDebug(lcOAuth) << "device poll failed, next in" << m_intervalMs << "ms:" << e.toString();
        schedulePoll();
    } else {
        finish(result);
    }
}

void DeviceCodeFlow::finish(const OAuthResult &result)
{
    if (!m_running)
        return;
    m_running = false;
    m_pollTimer.stop();
    m_tokens.abortAll();
    m_deviceCode.clear();
    emit finished(result);
}

} // namespace outpost
