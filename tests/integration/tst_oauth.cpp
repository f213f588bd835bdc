// The OAuth 2.0 flows of core/oauth against tests/integration/oauth_provider.py, our own
// authorization server on 127.0.0.1 (HTTPS with the test CA). The test plays the browser: it
// fetches the authorization URL the flow hands out and follows the provider's redirect to the
// flow's loopback listener, as a browser would. Everything waits on signals, never sleeps.

#include "ServerProcess.h"
#include "oauth/AuthorizationCodeFlow.h"
#include "oauth/DeviceCodeFlow.h"
#include "oauth/Pkce.h"
#include "oauth/TokenClient.h"

#include <QJsonArray>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QSslConfiguration>
#include <QTcpSocket>

#include <memory>

using namespace outpost;
using namespace outpost::test;

namespace {

const QString kClientId = QStringLiteral("outpost-test-client");

QList<QSslCertificate> testCa()
{
    return QSslCertificate::fromPath(SmtpServer::caPath());
}

/// oauth_provider.py in a QProcess; its first line is the port.
class Provider
{
public:
    bool start(const QStringList &extra = {})
    {
        m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        const QString certs = sourceDir() + QStringLiteral("/tests/integration/certs/");
        m_process.start(
            QStringLiteral("/usr/bin/python3"),
            QStringList{sourceDir() + QStringLiteral("/tests/integration/oauth_provider.py"),
                        QStringLiteral("--cert"), certs + QStringLiteral("localhost.pem"),
                        QStringLiteral("--key"), certs + QStringLiteral("localhost.key")} +
                extra);
        if (!m_process.waitForStarted(10000) || !m_process.waitForReadyRead(20000))
            return false;
        m_port = quint16(m_process.readLine().trimmed().toUInt());
        return m_port != 0;
    }
    ~Provider()
    {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
    QUrl url(const QString &path) const
    {
        return QUrl(QStringLiteral("https://127.0.0.1:%1%2").arg(m_port).arg(path));
    }
    /// The provider as Outpost sees it (custom, XOAUTH2, with device and revocation endpoints).
    OAuthProvider provider() const
    {
        OAuthProvider p =
            customOAuthProvider(url(QStringLiteral("/authorize")), url(QStringLiteral("/token")),
                                QStringLiteral("smtp offline_access"), QStringLiteral("XOAUTH2"),
                                url(QStringLiteral("/device")));
        p.revocationUrl = url(QStringLiteral("/revoke"));
        p.clientId = kClientId;
        return p;
    }

private:
    QProcess m_process;
    quint16 m_port = 0;
};

/// What a browser got for one request.
struct Page
{
    int status = 0;
    QUrl location;
    QByteArray body;
    QString error;
};

/// The test's browser and its line to the provider's /control and /introspect: a
/// QNetworkAccessManager that trusts the test CA and follows no redirect by itself.
class Browser
{
public:
    Page get(const QUrl &url) { return run(m_nam.get(request(url))); }
    Page post(const QUrl &url, const QByteArray &contentType, const QByteArray &body)
    {
        QNetworkRequest r = request(url);
        r.setHeader(QNetworkRequest::ContentTypeHeader, contentType);
        return run(m_nam.post(r, body));
    }
    QJsonObject json(const Page &p) { return QJsonDocument::fromJson(p.body).object(); }

private:
    QNetworkRequest request(const QUrl &url)
    {
        QNetworkRequest r(url);
        r.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                       QNetworkRequest::ManualRedirectPolicy);
        QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
        ssl.addCaCertificates(testCa());
        r.setSslConfiguration(ssl);
        r.setTransferTimeout(20000);
        return r;
    }
    Page run(QNetworkReply *reply)
    {
        std::unique_ptr<QNetworkReply> owner(reply);
        QSignalSpy done(reply, &QNetworkReply::finished);
        Page p;
        if (!reply->isFinished() && !done.wait(30000)) {
            p.error = QStringLiteral("no answer");
            return p;
        }
        p.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        p.location = reply->header(QNetworkRequest::LocationHeader).toUrl();
        p.body = reply->readAll();
        if (reply->error() != QNetworkReply::NoError)
            p.error = reply->errorString();
        return p;
    }
    QNetworkAccessManager m_nam;
};

QString queryValue(const QUrl &url, const QString &key)
{
    for (const auto &[k, v] : formItems(QUrlQuery(url.query(QUrl::FullyEncoded)))) {
        if (k == key)
            return v;
    }
    return {};
}

OAuthResult resultOf(const QSignalSpy &spy)
{
    return spy.isEmpty() ? OAuthResult{} : spy.first().at(0).value<OAuthResult>();
}

/// True when nothing listens on 127.0.0.1:`port` any more.
bool portClosed(quint16 port)
{
    QTcpSocket s;
    QSignalSpy failed(&s, &QTcpSocket::errorOccurred);
    QSignalSpy connected(&s, &QTcpSocket::connected);
    s.connectToHost(QStringLiteral("127.0.0.1"), port);
    if (!failed.wait(5000))
        return false;
    return connected.isEmpty() && s.error() == QAbstractSocket::ConnectionRefusedError;
}

} // namespace

class TestOAuth : public QObject
{
    Q_OBJECT

private:
    Provider m_provider;
    Browser m_browser;
    OAuthHttpOptions m_http;

    QJsonObject control(const QJsonObject &change)
    {
        return m_browser.json(m_browser.post(m_provider.url(QStringLiteral("/control")),
                                             "application/json", QJsonDocument(change).toJson()));
    }
    QJsonObject counters()
    {
        return m_browser.json(m_browser.get(m_provider.url(QStringLiteral("/control"))));
    }
    QJsonObject introspect(const QString &token)
    {
        QUrlQuery form;
        addFormItem(form, QStringLiteral("token"), token);
        return m_browser.json(m_browser.post(m_provider.url(QStringLiteral("/introspect")),
                                             "application/x-www-form-urlencoded",
                                             form.query(QUrl::FullyEncoded).toLatin1()));
    }

    /// Runs an interactive sign-in with the test as the browser. `tamper` may change the
    /// provider's redirect before it is followed. Returns the flow's result; *page gets what
    /// the loopback listener showed the browser.
    OAuthResult signIn(Page *page = nullptr, const std::function<QUrl(const QUrl &)> &tamper = {},
                       const QString &loginHint = {})
    {
        AuthorizationCodeFlow flow(m_provider.provider(), m_http);
        flow.setLoginHint(loginHint);
        QSignalSpy done(&flow, &AuthorizationCodeFlow::finished);
        QUrl opened;
        flow.start([&opened](const QUrl &url) { opened = url; });
        if (opened.isEmpty() || opened != flow.authorizationUrl())
            return {};
        const Page consent = m_browser.get(opened);
        if (consent.status != 302) {
            qWarning() << "authorize answered" << consent.status << consent.body;
            return {};
        }
        QUrl back = consent.location;
        if (tamper)
            back = tamper(back);
        const Page shown = m_browser.get(back); // the loopback answers once the flow is done
        if (page)
            *page = shown;
        if (done.isEmpty() && !done.wait(30000))
            return {};
        m_lastRedirect = flow.redirectUri();
        return resultOf(done);
    }
    QString m_lastRedirect;

    /// A code from /authorize for a request the test builds itself (its own verifier); the
    /// redirect URI is never contacted, the code is read from the provider's Location.
    QString codeFor(const QString &verifier, const QString &redirect)
    {
        return codeFor(m_provider, verifier, redirect);
    }
    QString codeFor(const Provider &provider, const QString &verifier, const QString &redirect)
    {
        QUrl url = provider.url(QStringLiteral("/authorize"));
        QUrlQuery q;
        addFormItem(q, QStringLiteral("response_type"), QStringLiteral("code"));
        addFormItem(q, QStringLiteral("client_id"), kClientId);
        addFormItem(q, QStringLiteral("redirect_uri"), redirect);
        addFormItem(q, QStringLiteral("scope"), QStringLiteral("smtp"));
        addFormItem(q, QStringLiteral("state"), QStringLiteral("s"));
        addFormItem(q, QStringLiteral("code_challenge"), pkceChallenge(verifier));
        addFormItem(q, QStringLiteral("code_challenge_method"), QStringLiteral("S256"));
        url.setQuery(q);
        const Page p = m_browser.get(url);
        return queryValue(p.location, QStringLiteral("code"));
    }

    OAuthResult exchange(TokenClient &client, const QString &code, const QString &verifier,
                         const QString &redirect)
    {
        OAuthResult out;
        bool called = false;
        client.exchangeCode(code, verifier, redirect, [&](const OAuthResult &r) {
            out = r;
            called = true;
        });
        if (!QTest::qWaitFor([&called] { return called; }, 30000))
            out.error =
                OAuthError::make(OAuthErrorCode::Network, QStringLiteral("test: no callback"));
        return out;
    }
    OAuthResult refresh(TokenClient &client, const QString &refreshToken)
    {
        OAuthResult out;
        bool called = false;
        client.refresh(refreshToken, [&](const OAuthResult &r) {
            out = r;
            called = true;
        });
        if (!QTest::qWaitFor([&called] { return called; }, 30000))
            out.error =
                OAuthError::make(OAuthErrorCode::Network, QStringLiteral("test: no callback"));
        return out;
    }

private slots:
    void initTestCase()
    {
        QVERIFY2(m_provider.start(), "oauth_provider.py did not start");
        m_http.extraCaCertificates = testCa();
        QVERIFY(!m_http.extraCaCertificates.isEmpty());
        m_http.requestTimeoutMs = 20000;
    }
    void init() { control({{QStringLiteral("reset"), true}}); }

    void firstSignInGetsTokens()
    {
        Page page;
        const QDateTime before = QDateTime::currentDateTimeUtc();
        const OAuthResult r = signIn(&page, {}, QStringLiteral("alice+outpost@example.org"));
        QVERIFY2(r.ok(), qPrintable(r.error.toString()));
        QVERIFY(r.tokens.accessToken.startsWith(QLatin1String("at-")));
        QVERIFY(r.tokens.refreshToken.startsWith(QLatin1String("rt-")));
        QVERIFY(!r.tokens.refreshTokenRotated);
        QVERIFY(r.tokens.expiresAt >= before.addSecs(3600));
        QVERIFY(r.tokens.expiresAt <= QDateTime::currentDateTimeUtc().addSecs(3600));
        QCOMPARE(r.tokens.scopes,
                 QStringList({QStringLiteral("smtp"), QStringLiteral("offline_access")}));
        // The browser was told it can close the window.
        QCOMPARE(page.status, 200);
        QVERIFY2(page.body.contains("You can close this window"), page.body.constData());

        const QJsonObject seen = counters();
        // PKCE: S256 asked for at /authorize, and the provider checked the verifier against
        // the challenge at /token.
        const QJsonObject authorize = seen.value(QLatin1String("authorize")).toObject();
        QCOMPARE(authorize.value(QLatin1String("code_challenge_method")).toString(),
                 QStringLiteral("S256"));
        QCOMPARE(authorize.value(QLatin1String("code_challenge")).toString().size(), 43);
        const QJsonArray pkce = seen.value(QLatin1String("pkce")).toArray();
        QCOMPARE(pkce.size(), 1);
        QVERIFY(pkce[0].toObject().value(QLatin1String("verified")).toBool());
        QCOMPARE(pkce[0].toObject().value(QLatin1String("verifier_length")).toInt(), 64);
        // The loopback redirect: 127.0.0.1, a port the system picked, closed afterwards.
        const QUrl redirect(authorize.value(QLatin1String("redirect_uri")).toString());
        QCOMPARE(redirect.toString(), m_lastRedirect);
        QCOMPARE(redirect.host(), QStringLiteral("127.0.0.1"));
        QVERIFY(redirect.port() > 0);
        QVERIFY(portClosed(quint16(redirect.port())));
        // A "+" in a parameter arrives as a plus, not a space (form encoding).
        QCOMPARE(authorize.value(QLatin1String("login_hint")).toString(),
                 QStringLiteral("alice+outpost@example.org"));
        QCOMPARE(seen.value(QLatin1String("grants")).toArray(),
                 QJsonArray({QStringLiteral("authorization_code")}));
        // The token works where a mail server would check it (Dovecot's introspection).
        const QJsonObject active = introspect(r.tokens.accessToken);
        QVERIFY(active.value(QLatin1String("active")).toBool());
        QCOMPARE(active.value(QLatin1String("username")).toString(),
                 QStringLiteral("alice@example.org"));
    }

    void tamperedStateRefused_data()
    {
        QTest::addColumn<QString>("how");
        QTest::newRow("other state") << QStringLiteral("other");
        QTest::newRow("no state") << QStringLiteral("none");
        QTest::newRow("state twice") << QStringLiteral("twice");
    }
    void tamperedStateRefused()
    {
        QFETCH(QString, how);
        Page page;
        const OAuthResult r = signIn(&page, [how](QUrl url) {
            QUrlQuery q(url.query(QUrl::FullyEncoded));
            const QString state = q.queryItemValue(QStringLiteral("state"));
            q.removeAllQueryItems(QStringLiteral("state"));
            if (how == QLatin1String("other"))
                addFormItem(q, QStringLiteral("state"), QStringLiteral("forged") + state);
            else if (how == QLatin1String("twice")) {
                addFormItem(q, QStringLiteral("state"), state);
                addFormItem(q, QStringLiteral("state"), state);
            }
            url.setQuery(q);
            return url;
        });
        QCOMPARE(oauthErrorName(r.error.code), how == QLatin1String("twice")
                                                   ? QStringLiteral("bad_response")
                                                   : QStringLiteral("state_mismatch"));
        QVERIFY(r.tokens.accessToken.isEmpty());
        QCOMPARE(page.status, 400);
        QVERIFY(page.body.contains("could not sign in"));
        // The code was never exchanged.
        QCOMPARE(counters().value(QLatin1String("token_requests")).toInt(), 0);
    }

    void userDenies()
    {
        control({{QStringLiteral("authorize"), QStringLiteral("deny")}});
        Page page;
        const OAuthResult r = signIn(&page);
        QCOMPARE(r.error.code, OAuthErrorCode::AccessDenied);
        QCOMPARE(r.error.serverCode, QStringLiteral("access_denied"));
        QCOMPARE(r.error.description, QStringLiteral("The user said no"));
        QCOMPARE(page.status, 400);
        QCOMPARE(counters().value(QLatin1String("token_requests")).toInt(), 0);
    }

    void browserNeverCompletes()
    {
        control({{QStringLiteral("authorize"), QStringLiteral("hang")}});
        AuthorizationCodeFlow flow(m_provider.provider(), m_http);
        flow.setBrowserTimeoutMs(500);
        QSignalSpy done(&flow, &AuthorizationCodeFlow::finished);
        QUrl opened;
        flow.start([&opened](const QUrl &url) { opened = url; });
        // The provider shows its page and never redirects.
        const Page consent = m_browser.get(opened);
        QCOMPARE(consent.status, 200);
        QVERIFY(consent.location.isEmpty());
        QVERIFY(done.size() == 1 || done.wait(10000));
        QCOMPARE(done.size(), 1);
        const OAuthResult r = resultOf(done);
        QCOMPARE(r.error.code, OAuthErrorCode::BrowserTimeout);
        QCOMPARE(oauthErrorName(r.error.code), QStringLiteral("browser_timeout"));
        QVERIFY(!flow.isRunning());
        // Clean: the listener is gone, and nothing more is emitted.
        QVERIFY(portClosed(quint16(QUrl(flow.redirectUri()).port())));
        QVERIFY(!done.wait(200));
    }

    void refreshRotates()
    {
        const OAuthResult first = signIn();
        QVERIFY2(first.ok(), qPrintable(first.error.toString()));
        TokenClient client(m_provider.provider(), m_http);
        const OAuthResult second = refresh(client, first.tokens.refreshToken);
        QVERIFY2(second.ok(), qPrintable(second.error.toString()));
        QVERIFY(second.tokens.accessToken != first.tokens.accessToken);
        QVERIFY(second.tokens.refreshTokenRotated);
        QVERIFY(second.tokens.refreshToken != first.tokens.refreshToken);
        QVERIFY(second.tokens.expiresAt.isValid());
        // The old refresh token is spent; the new one works and rotates again.
        const OAuthResult stale = refresh(client, first.tokens.refreshToken);
        QCOMPARE(stale.error.code, OAuthErrorCode::InvalidGrant);
        const OAuthResult third = refresh(client, second.tokens.refreshToken);
        QVERIFY2(third.ok(), qPrintable(third.error.toString()));
        QVERIFY(third.tokens.refreshTokenRotated);
        QCOMPARE(client.pendingRequests(), 0);
    }

    void refreshWithoutRotationKeepsToken()
    {
        control({{QStringLiteral("rotate"), false}});
        const OAuthResult first = signIn();
        QVERIFY2(first.ok(), qPrintable(first.error.toString()));
        TokenClient client(m_provider.provider(), m_http);
        const OAuthResult second = refresh(client, first.tokens.refreshToken);
        QVERIFY2(second.ok(), qPrintable(second.error.toString()));
        QVERIFY(!second.tokens.refreshTokenRotated);
        QCOMPARE(second.tokens.refreshToken, first.tokens.refreshToken);
        QVERIFY(refresh(client, second.tokens.refreshToken).ok());
    }

    void revokedRefreshToken_data()
    {
        QTest::addColumn<bool>("byClient"); // RFC 7009 from Outpost, else the provider's switch
        QTest::newRow("provider revokes") << false;
        QTest::newRow("revocation endpoint") << true;
    }
    void revokedRefreshToken()
    {
        QFETCH(bool, byClient);
        const OAuthResult first = signIn();
        QVERIFY2(first.ok(), qPrintable(first.error.toString()));
        TokenClient client(m_provider.provider(), m_http);
        if (byClient) {
            std::optional<OAuthError> revoked;
            client.revoke(first.tokens.refreshToken, QStringLiteral("refresh_token"),
                          [&revoked](const OAuthError &e) { revoked = e; });
            QTRY_VERIFY_WITH_TIMEOUT(revoked.has_value(), 30000);
            QVERIFY2(revoked->ok(), qPrintable(revoked->toString()));
        } else {
            control({{QStringLiteral("revoke_all"), true}});
        }
        QCOMPARE(counters().value(QLatin1String("revoked")).toInt(), 1);
        const OAuthResult r = refresh(client, first.tokens.refreshToken);
        QCOMPARE(r.error.code, OAuthErrorCode::InvalidGrant);
        QCOMPARE(r.error.serverCode, QStringLiteral("invalid_grant"));
        QCOMPARE(r.error.httpStatus, 400);
        QVERIFY(r.tokens.accessToken.isEmpty());
        // Revoking the refresh token took its access token with it (RFC 7009 §2.1).
        QVERIFY(!introspect(first.tokens.accessToken).value(QLatin1String("active")).toBool());
    }

    void codeUsedTwiceRefused()
    {
        const QString verifier = pkceVerifier();
        const QString redirect = QStringLiteral("http://127.0.0.1:9/");
        const QString code = codeFor(verifier, redirect);
        QVERIFY(!code.isEmpty());
        TokenClient client(m_provider.provider(), m_http);
        const OAuthResult first = exchange(client, code, verifier, redirect);
        QVERIFY2(first.ok(), qPrintable(first.error.toString()));
        const OAuthResult again = exchange(client, code, verifier, redirect);
        QCOMPARE(again.error.code, OAuthErrorCode::InvalidGrant);
        // RFC 6749 §4.1.2: the provider revoked what the code had issued.
        QCOMPARE(refresh(client, first.tokens.refreshToken).error.code,
                 OAuthErrorCode::InvalidGrant);
    }

    void wrongVerifierRefused()
    {
        const QString verifier = pkceVerifier();
        const QString redirect = QStringLiteral("http://127.0.0.1:9/");
        TokenClient client(m_provider.provider(), m_http);
        const OAuthResult r =
            exchange(client, codeFor(verifier, redirect), pkceVerifier(), redirect);
        QCOMPARE(r.error.code, OAuthErrorCode::InvalidGrant);
        const QJsonArray pkce = counters().value(QLatin1String("pkce")).toArray();
        QCOMPARE(pkce.size(), 1);
        QVERIFY(!pkce[0].toObject().value(QLatin1String("verified")).toBool());
        // The redirect URI must be the authorization request's too (RFC 6749 §4.1.3).
        const QString v2 = pkceVerifier();
        const OAuthResult other =
            exchange(client, codeFor(v2, redirect), v2, QStringLiteral("http://127.0.0.1:10/"));
        QCOMPARE(other.error.code, OAuthErrorCode::InvalidGrant);
    }

    void accessTokensExpire()
    {
        control({{QStringLiteral("access_ttl"), 120}});
        const QString verifier = pkceVerifier();
        const QString redirect = QStringLiteral("http://127.0.0.1:9/");
        TokenClient client(m_provider.provider(), m_http);
        const QDateTime before = QDateTime::currentDateTimeUtc();
        const OAuthResult r = exchange(client, codeFor(verifier, redirect), verifier, redirect);
        QVERIFY2(r.ok(), qPrintable(r.error.toString()));
        QVERIFY(r.tokens.expiresAt >= before.addSecs(120));
        QVERIFY(r.tokens.expiresAt <= QDateTime::currentDateTimeUtc().addSecs(120));
        QVERIFY(r.tokens.expiresWithin(300, QDateTime::currentDateTimeUtc()));
        QVERIFY(!r.tokens.expiresWithin(60, QDateTime::currentDateTimeUtc()));
        QVERIFY(introspect(r.tokens.accessToken).value(QLatin1String("active")).toBool());
        control({{QStringLiteral("expire_access"), true}});
        QVERIFY(!introspect(r.tokens.accessToken).value(QLatin1String("active")).toBool());
        // The refresh token still gets a fresh one.
        const OAuthResult fresh = refresh(client, r.tokens.refreshToken);
        QVERIFY2(fresh.ok(), qPrintable(fresh.error.toString()));
        QVERIFY(introspect(fresh.tokens.accessToken).value(QLatin1String("active")).toBool());
    }

    void clientSecret()
    {
        // A provider that wants the installed app's client secret (as Google does).
        Provider strict;
        QVERIFY(strict.start({QStringLiteral("--client-secret"), QStringLiteral("not-so-secret")}));
        OAuthProvider p = strict.provider();
        const QString redirect = QStringLiteral("http://127.0.0.1:9/");
        {
            TokenClient without(p, m_http);
            const QString v = pkceVerifier();
            const OAuthResult r = exchange(without, codeFor(strict, v, redirect), v, redirect);
            QCOMPARE(r.error.code, OAuthErrorCode::InvalidClient);
            QCOMPARE(r.error.httpStatus, 401);
        }
        p = withClient(p, kClientId, QStringLiteral("not-so-secret"));
        TokenClient with(p, m_http);
        const QString v = pkceVerifier();
        const OAuthResult r = exchange(with, codeFor(strict, v, redirect), v, redirect);
        QVERIFY2(r.ok(), qPrintable(r.error.toString()));
    }

    void providerUnreachable()
    {
        OAuthProvider p = m_provider.provider();
        // A port nobody listens on: the listener of a finished flow, closed.
        LoopbackRedirectServer gone;
        QString error;
        QVERIFY(gone.listen(QStringLiteral("127.0.0.1"), &error));
        const quint16 port = gone.port();
        gone.close();
        p.tokenUrl = QUrl(QStringLiteral("https://127.0.0.1:%1/token").arg(port));
        TokenClient client(p, m_http);
        const OAuthResult r = refresh(client, QStringLiteral("rt-x"));
        QCOMPARE(r.error.code, OAuthErrorCode::Network);
        QCOMPARE(r.error.httpStatus, 0);
    }

    void deviceFlow_data()
    {
        QTest::addColumn<QJsonArray>("script");
        QTest::addColumn<QString>("outcome");
        QTest::addColumn<int>("expiresIn");
        QTest::addColumn<QString>("expected");
        QTest::addColumn<int>("polls");
        QTest::newRow("pending, slow_down, approved")
            << QJsonArray({QStringLiteral("authorization_pending"), QStringLiteral("slow_down")})
            << "approve" << 600 << "ok" << 3;
        QTest::newRow("denied") << QJsonArray({QStringLiteral("authorization_pending")}) << "deny"
                                << 600 << "access_denied" << 2;
        QTest::newRow("expired at the provider")
            << QJsonArray({QStringLiteral("authorization_pending")}) << "expired" << 600
            << "expired_token" << 2;
        // Never approved: the code's lifetime (4 intervals) passes here before the provider says
        // so.
        QTest::newRow("expired here") << QJsonArray() << "pending" << 4 << "expired_token" << -1;
    }
    void deviceFlow()
    {
        QFETCH(QJsonArray, script);
        QFETCH(QString, outcome);
        QFETCH(int, expiresIn);
        QFETCH(QString, expected);
        QFETCH(int, polls);
        control({{QStringLiteral("device_script"), script},
                 {QStringLiteral("device_outcome"), outcome},
                 {QStringLiteral("device_expires_in"), expiresIn},
                 {QStringLiteral("device_interval"), 1}});
        constexpr int unitMs = 60; // one protocol second lasts 60 ms here
        DeviceCodeFlow flow(m_provider.provider(), m_http);
        flow.setTimeUnitMs(unitMs);
        QSignalSpy code(&flow, &DeviceCodeFlow::userCodeReady);
        QSignalSpy done(&flow, &DeviceCodeFlow::finished);
        flow.start();
        QVERIFY(done.wait(30000));
        QCOMPARE(done.size(), 1);
        QCOMPARE(code.size(), 1);
        const auto shown = code.first().at(0).value<DeviceAuthorization>();
        QCOMPARE(shown.userCode, QStringLiteral("WDJB-MJHT"));
        QCOMPARE(shown.verificationUri, m_provider.url(QStringLiteral("/activate")));
        QCOMPARE(shown.verificationUriComplete.query(), QStringLiteral("user_code=WDJB-MJHT"));
        QCOMPARE(shown.expiresInSeconds, expiresIn);
        QCOMPARE(shown.intervalSeconds, 1);
        const OAuthResult r = resultOf(done);
        QCOMPARE(oauthErrorName(r.error.code), expected);
        QVERIFY(!flow.isRunning());

        const QJsonArray times = counters().value(QLatin1String("polls")).toArray();
        if (polls >= 0)
            QCOMPARE(times.size(), polls);
        else
            QVERIFY(times.size() >= 1 && times.size() <= expiresIn);
        // Every poll waited at least the interval; after slow_down, 5 more (RFC 8628 §3.5).
        // A little slack for timer precision.
        int interval = unitMs;
        for (qsizetype i = 1; i < times.size(); ++i) {
            const double gapMs = (times[i].toDouble() - times[i - 1].toDouble()) * 1000;
            if (script.size() >= i && script[i - 1].toString() == QLatin1String("slow_down"))
                interval += 5 * unitMs;
            QVERIFY2(gapMs >= interval - 15, qPrintable(QStringLiteral("poll %1 after %2 ms, "
                                                                       "interval %3 ms")
                                                            .arg(i)
                                                            .arg(gapMs)
                                                            .arg(interval)));
        }
        if (expected == QLatin1String("ok")) {
            QVERIFY(r.tokens.accessToken.startsWith(QLatin1String("at-")));
            QVERIFY(!r.tokens.refreshToken.isEmpty());
            QCOMPARE(flow.pollIntervalMs(), 6 * unitMs);
            const QJsonArray grants = counters().value(QLatin1String("grants")).toArray();
            QCOMPARE(grants.last().toString(),
                     QStringLiteral("urn:ietf:params:oauth:grant-type:device_code"));
        }
        // Nothing polls after the end.
        const qsizetype after = times.size();
        QVERIFY(!done.wait(3 * unitMs));
        QCOMPARE(counters().value(QLatin1String("polls")).toArray().size(), after);
    }

    void deviceFlowCancelled()
    {
        control({{QStringLiteral("device_outcome"), QStringLiteral("pending")},
                 {QStringLiteral("device_interval"), 1}});
        DeviceCodeFlow flow(m_provider.provider(), m_http);
        flow.setTimeUnitMs(50);
        QSignalSpy code(&flow, &DeviceCodeFlow::userCodeReady);
        QSignalSpy done(&flow, &DeviceCodeFlow::finished);
        flow.start();
        QVERIFY(code.wait(30000));
        flow.cancel();
        QCOMPARE(done.size(), 1);
        QCOMPARE(resultOf(done).error.code, OAuthErrorCode::Cancelled);
        const qsizetype polls = counters().value(QLatin1String("polls")).toArray().size();
        QVERIFY(!done.wait(200));
        QCOMPARE(counters().value(QLatin1String("polls")).toArray().size(), polls);
    }
};

QTEST_GUILESS_MAIN(TestOAuth)
#include "tst_oauth.moc"
