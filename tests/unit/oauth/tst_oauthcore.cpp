// core/oauth without a provider: PKCE verifiers and the RFC 7636 challenge vector, the state
// value, stable error names, the provider presets and their checks, the token response
// reader, form encoding both ways, and the loopback listener's answers to stray requests.

#include "oauth/AuthorizationCodeFlow.h"
#include "oauth/DeviceCodeFlow.h"
#include "oauth/LoopbackRedirectServer.h"
#include "oauth/OAuthProvider.h"
#include "oauth/Pkce.h"
#include "oauth/TokenClient.h"

#include <QJsonDocument>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>

using namespace outpost;

namespace {

OAuthProvider localProvider()
{
    OAuthProvider p =
        customOAuthProvider(QUrl(QStringLiteral("https://127.0.0.1:1/authorize")),
                            QUrl(QStringLiteral("https://127.0.0.1:1/token")),
                            QStringLiteral("mail offline"), QStringLiteral("xoauth2"));
    p.clientId = QStringLiteral("client");
    return p;
}

/// A client of the listener, in the same thread: everything through signals, since a
/// blocking wait here would stop the listener too.
class Client
{
public:
    explicit Client(quint16 port)
    {
        QObject::connect(&m_socket, &QTcpSocket::readyRead, &m_socket,
                         [this] { m_answer += m_socket.readAll(); });
        m_socket.connectToHost(QStringLiteral("127.0.0.1"), port);
    }
    void send(const QByteArray &request) { m_socket.write(request); }
    /// Waits for the listener to close the connection; returns everything it sent.
    QByteArray answer()
    {
        if (m_socket.state() != QAbstractSocket::UnconnectedState) {
            QSignalSpy closed(&m_socket, &QTcpSocket::disconnected);
            if (!closed.wait(5000))
                return "no close within 5 s: " + m_answer;
        }
        return m_answer + m_socket.readAll();
    }

private:
    QTcpSocket m_socket;
    QByteArray m_answer;
};

/// Sends `request` to the listener and returns everything it answered (up to its close).
QByteArray ask(quint16 port, const QByteArray &request)
{
    Client c(port);
    c.send(request);
    return c.answer();
}

} // namespace

class TestOAuthCore : public QObject
{
    Q_OBJECT
private slots:
    void verifierFormat_data()
    {
        QTest::addColumn<int>("asked");
        QTest::addColumn<int>("length");
        QTest::newRow("shortest") << 43 << 43;
        QTest::newRow("default") << -1 << 64;
        QTest::newRow("odd") << 101 << 101;
        QTest::newRow("longest") << 128 << 128;
        QTest::newRow("too short is clamped") << 10 << 43;
        QTest::newRow("too long is clamped") << 500 << 128;
    }
    void verifierFormat()
    {
        QFETCH(int, asked);
        QFETCH(int, length);
        const QString a = asked < 0 ? pkceVerifier() : pkceVerifier(asked);
        const QString b = asked < 0 ? pkceVerifier() : pkceVerifier(asked);
        QCOMPARE(a.size(), length);
        // RFC 7636 §4.1: unreserved characters only.
        static const QRegularExpression unreserved(QStringLiteral("^[A-Za-z0-9._~-]+$"));
        QVERIFY2(unreserved.match(a).hasMatch(), qPrintable(a));
        QVERIFY(a != b); // from a CSPRNG: two verifiers never meet
        const QString challenge = pkceChallenge(a);
        QCOMPARE(challenge.size(), 43);
        QVERIFY(!challenge.contains(QLatin1Char('=')));
    }
    void challengeVector()
    {
        // RFC 7636 Appendix B.
        QCOMPARE(pkceChallenge(QStringLiteral("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")),
                 QStringLiteral("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
    }
    void stateValue()
    {
        const QString a = oauthState();
        QCOMPARE(a.size(), 43);
        QVERIFY(a != oauthState());
    }

    void errorNames()
    {
        const QStringList expected = {
            QStringLiteral("ok"),
            QStringLiteral("browser_timeout"),
            QStringLiteral("state_mismatch"),
            QStringLiteral("access_denied"),
            QStringLiteral("invalid_grant"),
            QStringLiteral("invalid_client"),
            QStringLiteral("expired_token"),
            QStringLiteral("network"),
            QStringLiteral("bad_response"),
            QStringLiteral("server_error"),
            QStringLiteral("cancelled"),
            QStringLiteral("loopback_failed"),
            QStringLiteral("no_client_id"),
            QStringLiteral("configuration"),
        };
        for (int i = 0; i < expected.size(); ++i) {
            const auto code = OAuthErrorCode(i);
            QCOMPARE(oauthErrorName(code), expected[i]);
            QCOMPARE(oauthErrorFromName(expected[i]), std::optional<OAuthErrorCode>(code));
        }
        QCOMPARE(oauthErrorFromName(QStringLiteral("nonsense")), std::nullopt);
        OAuthError e = OAuthError::make(OAuthErrorCode::InvalidGrant, QStringLiteral("revoked"));
        e.serverCode = QStringLiteral("invalid_grant");
        e.httpStatus = 400;
        QCOMPARE(e.toString(),
                 QStringLiteral("invalid_grant (provider: invalid_grant, HTTP 400): revoked"));
    }

    void presets()
    {
        QCOMPARE(oauthProviderIds(),
                 QStringList({QStringLiteral("microsoft"), QStringLiteral("google")}));
        const auto ms = oauthProviderPreset(QStringLiteral("Microsoft"));
        QVERIFY(ms);
        QCOMPARE(ms->authorizationUrl.toString(),
                 QStringLiteral("https://login.microsoftonline.com/common/oauth2/v2.0/authorize"));
        QCOMPARE(ms->tokenUrl.toString(),
                 QStringLiteral("https://login.microsoftonline.com/common/oauth2/v2.0/token"));
        QCOMPARE(ms->deviceAuthorizationUrl.toString(),
                 QStringLiteral("https://login.microsoftonline.com/common/oauth2/v2.0/devicecode"));
        QCOMPARE(ms->scopeString(),
                 QStringLiteral("https://outlook.office.com/SMTP.Send offline_access"));
        QCOMPARE(ms->mechanisms, QStringList{QStringLiteral("XOAUTH2")});
        QCOMPARE(ms->smtpHost, QStringLiteral("smtp-mail.outlook.com"));
        QCOMPARE(ms->smtpPort, quint16(587));
        QCOMPARE(ms->smtpSecurity, Security::StartTls);
        QCOMPARE(ms->redirectHost, QStringLiteral("localhost"));

        const auto g = oauthProviderPreset(QStringLiteral("google"));
        QVERIFY(g);
        QCOMPARE(g->scopeString(), QStringLiteral("https://mail.google.com/"));
        QVERIFY(g->deviceAuthorizationUrl.isEmpty());
        QCOMPARE(g->mechanisms,
                 QStringList({QStringLiteral("OAUTHBEARER"), QStringLiteral("XOAUTH2")}));
        QCOMPARE(g->smtpHost, QStringLiteral("smtp.gmail.com"));
        QCOMPARE(g->smtpPort, quint16(465));
        QCOMPARE(g->smtpSecurity, Security::Tls);
        QCOMPARE(g->redirectHost, QStringLiteral("127.0.0.1"));
        QVERIFY(g->extraAuthorizationParameters.contains(
            qMakePair(QStringLiteral("access_type"), QStringLiteral("offline"))));

        QVERIFY(!oauthProviderPreset(QStringLiteral("custom")));
        // This build has no client ids configured (CI's default): the presets say so.
        if (ms->clientId.isEmpty())
            QVERIFY(oauthProviderProblem(*ms).contains(QLatin1String("client id")));
        QVERIFY(oauthProviderProblem(withClient(*ms, QStringLiteral("id"))).isEmpty());
        QVERIFY(oauthProviderProblem(withClient(*g, QStringLiteral("id")), true)
                    .contains(QLatin1String("device")));
    }

    void withClientReplacesBoth()
    {
        OAuthProvider p = localProvider();
        p.clientSecret = QStringLiteral("build-secret");
        const OAuthProvider same = withClient(p, QStringLiteral("  "));
        QCOMPARE(same.clientId, QStringLiteral("client"));
        QCOMPARE(same.clientSecret, QStringLiteral("build-secret"));
        const OAuthProvider own = withClient(p, QStringLiteral(" mine "));
        QCOMPARE(own.clientId, QStringLiteral("mine"));
        QCOMPARE(own.clientSecret, QString()); // the build's secret is not the user's
    }

    void providerProblems_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("problem"); // a part of the text; empty: usable
        QTest::newRow("usable") << QString() << QString() << QString();
        QTest::newRow("no client id") << "clientId"
                                      << ""
                                      << "client id";
        QTest::newRow("http elsewhere") << "tokenUrl"
                                        << "http://example.org/token"
                                        << "https";
        QTest::newRow("http loopback") << "tokenUrl"
                                       << "http://127.0.0.1:9/token"
                                       << "";
        QTest::newRow("http localhost") << "authorizationUrl"
                                        << "http://localhost:9/a"
                                        << "";
        QTest::newRow("relative") << "authorizationUrl"
                                  << "/authorize"
                                  << "absolute";
        QTest::newRow("other scheme") << "authorizationUrl"
                                      << "ftp://example.org/a"
                                      << "https";
        QTest::newRow("no scope") << "scopes"
                                  << ""
                                  << "scope";
        QTest::newRow("unknown mechanism") << "mechanism"
                                           << "PLAIN"
                                           << "SASL";
    }
    void providerProblems()
    {
        QFETCH(QString, field);
        QFETCH(QString, value);
        QFETCH(QString, problem);
        OAuthProvider p = localProvider();
        if (field == QLatin1String("clientId"))
            p.clientId = value;
        else if (field == QLatin1String("tokenUrl"))
            p.tokenUrl = QUrl(value);
        else if (field == QLatin1String("authorizationUrl"))
            p.authorizationUrl = QUrl(value);
        else if (field == QLatin1String("scopes"))
            p.scopes = value.split(QLatin1Char(' '), Qt::SkipEmptyParts);
        else if (field == QLatin1String("mechanism"))
            p.mechanisms = {value};
        const QString found = oauthProviderProblem(p);
        if (problem.isEmpty())
            QVERIFY2(found.isEmpty(), qPrintable(found));
        else
            QVERIFY2(found.contains(problem), qPrintable(found));
    }

    void customProvider()
    {
        const OAuthProvider p = customOAuthProvider(
            QUrl(QStringLiteral("https://id.example.org/auth")),
            QUrl(QStringLiteral("https://id.example.org/token")),
            QStringLiteral(" smtp  offline_access "), QStringLiteral("oauthbearer"));
        QCOMPARE(p.id, QStringLiteral("custom"));
        QCOMPARE(p.scopes, QStringList({QStringLiteral("smtp"), QStringLiteral("offline_access")}));
        QCOMPARE(p.mechanisms, QStringList{QStringLiteral("OAUTHBEARER")});
        QCOMPARE(p.redirectHost, QStringLiteral("127.0.0.1"));
        QVERIFY(p.smtpHost.isEmpty());
    }

    void tokenResponse_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("previous");
        QTest::addColumn<QString>("error"); // stable name
        QTest::addColumn<QString>("refresh");
        QTest::addColumn<bool>("rotated");
        QTest::addColumn<int>("expiresIn"); // seconds; -1: unknown
        QTest::newRow("full") << QByteArray(R"({"access_token":"at1","token_type":"Bearer",)"
                                            R"("expires_in":3600,"refresh_token":"rt1",)"
                                            R"("scope":"a b"})")
                              << QString() << "ok"
                              << "rt1" << false << 3600;
        QTest::newRow("expires_in as text")
            << QByteArray(R"({"access_token":"at1","token_type":"bearer","expires_in":"60"})")
            << QString() << "ok" << QString() << false << 60;
        QTest::newRow("no expiry") << QByteArray(R"({"access_token":"at1"})") << QString() << "ok"
                                   << QString() << false << -1;
        QTest::newRow("refresh kept")
            << QByteArray(R"({"access_token":"at2","expires_in":10})") << "old"
            << "ok"
            << "old" << false << 10;
        QTest::newRow("refresh rotated")
            << QByteArray(R"({"access_token":"at2","refresh_token":"new"})") << "old"
            << "ok"
            << "new" << true << -1;
        QTest::newRow("same refresh again")
            << QByteArray(R"({"access_token":"at2","refresh_token":"old"})") << "old"
            << "ok"
            << "old" << false << -1;
        QTest::newRow("not bearer") << QByteArray(R"({"access_token":"at","token_type":"mac"})")
                                    << QString() << "bad_response" << QString() << false << -1;
        QTest::newRow("no access token") << QByteArray(R"({"token_type":"Bearer"})") << QString()
                                         << "bad_response" << QString() << false << -1;
        QTest::newRow("access token not text") << QByteArray(R"({"access_token":42})") << QString()
                                               << "bad_response" << QString() << false << -1;
        QTest::newRow("control character in token")
            << QByteArray(R"({"access_token":"a\u0001user=eve"})") << QString() << "bad_response"
            << QString() << false << -1;
        QTest::newRow("space in token") << QByteArray(R"({"access_token":"a b"})") << QString()
                                        << "bad_response" << QString() << false << -1;
        QTest::newRow("line break in refresh token")
            << QByteArray(R"({"access_token":"ok","refresh_token":"r\r\nx"})") << QString()
            << "bad_response" << QString() << false << -1;
    }
    void tokenResponse()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, previous);
        QFETCH(QString, error);
        QFETCH(QString, refresh);
        QFETCH(bool, rotated);
        QFETCH(int, expiresIn);
        const QDateTime sent = QDateTime::currentDateTimeUtc();
        const OAuthResult r =
            parseTokenResponse(QJsonDocument::fromJson(json).object(), sent, previous);
        QCOMPARE(oauthErrorName(r.error.code), error);
        if (!r.ok()) {
            QVERIFY(r.tokens.accessToken.isEmpty());
            return;
        }
        QCOMPARE(r.tokens.refreshToken, refresh);
        QCOMPARE(r.tokens.refreshTokenRotated, rotated);
        if (expiresIn < 0) {
            QVERIFY(!r.tokens.expiresAt.isValid());
            QVERIFY(!r.tokens.expiresWithin(3600, sent));
        } else {
            QCOMPARE(r.tokens.expiresAt, sent.addSecs(expiresIn));
            QVERIFY(r.tokens.expiresWithin(expiresIn, sent));
            QVERIFY(!r.tokens.expiresWithin(expiresIn - 1, sent));
        }
    }

    void formEncodingRoundTrip_data()
    {
        QTest::addColumn<QString>("value");
        QTest::newRow("plus") << QStringLiteral("alice+tag@example.org");
        QTest::newRow("delimiters") << QStringLiteral("a&b=c;d?e#f/g:h");
        QTest::newRow("percent and space") << QStringLiteral("100% sure, really");
        QTest::newRow("unicode") << QStringLiteral("J\u00fcrgen \u00e9t\u00e9 \U0001F600");
        QTest::newRow("already encoded look") << QStringLiteral("%2B%20%zz");
    }
    void formEncodingRoundTrip()
    {
        QFETCH(QString, value);
        QUrlQuery q;
        addFormItem(q, QStringLiteral("k y"), value);
        addFormItem(q, QStringLiteral("next"), QStringLiteral("x"));
        // What goes on the wire, read back by a form decoder.
        const QUrlQuery wire(q.query(QUrl::FullyEncoded));
        const auto items = formItems(wire);
        QCOMPARE(items.size(), 2);
        QCOMPARE(items[0].first, QStringLiteral("k y"));
        QCOMPARE(items[0].second, value);
        QCOMPARE(items[1].second, QStringLiteral("x"));
    }
    void formDecoding()
    {
        // RFC 6749 Appendix B: "+" is a space, "%2B" a plus; a repeated key stays repeated.
        const auto items = formItems(QUrlQuery(QStringLiteral("a=x+y%2Bz&a=2&e=%C3%A9")));
        QCOMPARE(items.size(), 3);
        QCOMPARE(items[0].second, QStringLiteral("x y+z"));
        QCOMPARE(items[1].first, QStringLiteral("a"));
        QCOMPARE(items[2].second, QStringLiteral("\u00e9"));
    }

    void loopbackAnswersStrayRequests_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<QByteArray>("status");
        QTest::newRow("favicon") << QByteArray("GET /favicon.ico HTTP/1.1\r\nHost: x\r\n\r\n")
                                 << QByteArray("HTTP/1.1 404 ");
        QTest::newRow("POST") << QByteArray("POST /?code=a HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
                              << QByteArray("HTTP/1.1 405 ");
        QTest::newRow("not HTTP") << QByteArray("HELLO\r\n\r\n") << QByteArray("HTTP/1.1 400 ");
        QTest::newRow("absolute target")
            << QByteArray("GET http://evil.example/?code=a HTTP/1.1\r\n\r\n")
            << QByteArray("HTTP/1.1 400 ");
        QTest::newRow("oversized head")
            << QByteArray("GET /?code=" + QByteArray(9000, 'a') + " HTTP/1.1\r\n\r\n")
            << QByteArray("HTTP/1.1 431 ");
    }
    void loopbackAnswersStrayRequests()
    {
        QFETCH(QByteArray, request);
        QFETCH(QByteArray, status);
        LoopbackRedirectServer server;
        QSignalSpy callbacks(&server, &LoopbackRedirectServer::callbackReceived);
        QString error;
        QVERIFY2(server.listen(QStringLiteral("127.0.0.1"), &error), qPrintable(error));
        QVERIFY(server.port() != 0);
        QCOMPARE(server.redirectUri(), QStringLiteral("http://127.0.0.1:%1/").arg(server.port()));
        const QByteArray answer = ask(server.port(), request);
        QVERIFY2(answer.startsWith(status), answer.constData());
        QVERIFY(answer.contains("Connection: close\r\n"));
        QCOMPARE(callbacks.size(), 0);
        // Still waiting for the real redirect.
        Client browser(server.port());
        browser.send("GET /?code=c&state=s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        QVERIFY(callbacks.wait(5000));
        QCOMPARE(callbacks.first().at(0).value<QUrlQuery>().queryItemValue(QStringLiteral("code")),
                 QStringLiteral("c"));
        server.respond(200, "<p>done</p>");
        const QByteArray page = browser.answer();
        QVERIFY2(page.startsWith("HTTP/1.1 200 OK\r\n"), page.constData());
        QVERIFY(page.endsWith("\r\n\r\n<p>done</p>"));
        QVERIFY(page.contains("Content-Type: text/html; charset=utf-8\r\n"));
        // One redirect only: the listener is gone.
        QTcpSocket late;
        late.connectToHost(QStringLiteral("127.0.0.1"), server.port());
        QVERIFY(!late.waitForConnected(5000));
        QCOMPARE(late.error(), QAbstractSocket::ConnectionRefusedError);
    }

    void flowWithoutClientId()
    {
        OAuthProvider p = localProvider();
        p.clientId.clear();
        AuthorizationCodeFlow flow(p);
        QSignalSpy done(&flow, &AuthorizationCodeFlow::finished);
        bool opened = false;
        flow.start([&opened](const QUrl &) { opened = true; });
        QVERIFY(done.wait(5000));
        QCOMPARE(done.first().at(0).value<OAuthResult>().error.code, OAuthErrorCode::NoClientId);
        QVERIFY(!opened);
        QVERIFY(flow.redirectUri().isEmpty());
    }

    void authorizationUrl()
    {
        OAuthProvider p = localProvider();
        p.authorizationUrl = QUrl(QStringLiteral("https://127.0.0.1:1/authorize?tenant=x"));
        p.extraAuthorizationParameters = {{QStringLiteral("prompt"), QStringLiteral("consent")}};
        AuthorizationCodeFlow flow(p);
        flow.setLoginHint(QStringLiteral("alice+mail@example.org"));
        QUrl shown;
        flow.start([&shown](const QUrl &url) { shown = url; });
        QVERIFY(flow.isRunning());
        QCOMPARE(shown, flow.authorizationUrl());
        QCOMPARE(shown.host(), QStringLiteral("127.0.0.1"));
        QCOMPARE(shown.path(), QStringLiteral("/authorize"));
        QHash<QString, QString> q;
        for (const auto &[k, v] : formItems(QUrlQuery(shown.query(QUrl::FullyEncoded))))
            q.insert(k, v);
        QCOMPARE(q.value(QStringLiteral("tenant")), QStringLiteral("x"));
        QCOMPARE(q.value(QStringLiteral("response_type")), QStringLiteral("code"));
        QCOMPARE(q.value(QStringLiteral("client_id")), QStringLiteral("client"));
        QCOMPARE(q.value(QStringLiteral("scope")), QStringLiteral("mail offline"));
        QCOMPARE(q.value(QStringLiteral("code_challenge_method")), QStringLiteral("S256"));
        QCOMPARE(q.value(QStringLiteral("code_challenge")).size(), 43);
        QCOMPARE(q.value(QStringLiteral("state")).size(), 43);
        QCOMPARE(q.value(QStringLiteral("login_hint")), QStringLiteral("alice+mail@example.org"));
        QCOMPARE(q.value(QStringLiteral("prompt")), QStringLiteral("consent"));
        QCOMPARE(q.value(QStringLiteral("redirect_uri")), flow.redirectUri());
        const QUrl redirect(flow.redirectUri());
        QCOMPARE(redirect.scheme(), QStringLiteral("http"));
        QCOMPARE(redirect.host(), QStringLiteral("127.0.0.1"));
        QVERIFY(redirect.port() > 0);
        QCOMPARE(redirect.path(), QStringLiteral("/"));

        QSignalSpy done(&flow, &AuthorizationCodeFlow::finished);
        flow.cancel();
        QCOMPARE(done.size(), 1);
        QCOMPARE(done.first().at(0).value<OAuthResult>().error.code, OAuthErrorCode::Cancelled);
        flow.cancel();
        QCOMPARE(done.size(), 1);
        QTcpSocket late;
        late.connectToHost(QStringLiteral("127.0.0.1"), quint16(redirect.port()));
        QVERIFY(!late.waitForConnected(5000));
    }

    void localhostRedirect()
    {
        // Microsoft's spelling: the URI says localhost, 127.0.0.1 still answers.
        OAuthProvider p = localProvider();
        p.redirectHost = QStringLiteral("localhost");
        AuthorizationCodeFlow flow(p);
        flow.start({});
        const QUrl redirect(flow.redirectUri());
        QCOMPARE(redirect.host(), QStringLiteral("localhost"));
        QTcpSocket s;
        s.connectToHost(QStringLiteral("127.0.0.1"), quint16(redirect.port()));
        QVERIFY(s.waitForConnected(5000));
        flow.cancel();
    }

    void deviceFlowNotOffered()
    {
        DeviceCodeFlow flow(localProvider());
        QSignalSpy done(&flow, &DeviceCodeFlow::finished);
        flow.start();
        QVERIFY(done.wait(5000));
        const OAuthResult r = done.first().at(0).value<OAuthResult>();
        QCOMPARE(r.error.code, OAuthErrorCode::Configuration);
        QVERIFY2(r.error.description.contains(QLatin1String("device")),
                 qPrintable(r.error.description));
    }
};

QTEST_GUILESS_MAIN(TestOAuthCore)
#include "tst_oauthcore.moc"
