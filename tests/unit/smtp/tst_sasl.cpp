// SASL client mechanisms (core/smtp/Sasl.h): RFC test vectors, error paths and the chooser.
#include "smtp/Sasl.h"

#include <QTest>

using namespace outpost;

namespace {

SaslCredentials pw(const QString &user, const QString &password)
{
    SaslCredentials c;
    c.user = user;
    c.password = password;
    return c;
}

SaslCredentials token(const QString &user, const QString &tok)
{
    SaslCredentials c;
    c.user = user;
    c.oauthToken = tok;
    return c;
}

std::function<QByteArray()> fixedNonce(const QByteArray &n)
{
    return [n] {
        return n;
    };
}

// One SCRAM exchange step: challenge -> expected response (nullopt: must fail).
struct Step
{
    QByteArray challenge;
    std::optional<QByteArray> response;
};

} // namespace

Q_DECLARE_METATYPE(SaslCredentials)
Q_DECLARE_METATYPE(QList<Step>)

class TestSasl : public QObject
{
    Q_OBJECT
private slots:
    void create_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QByteArray>("canonical");
        QTest::addColumn<bool>("hasInitial");
        QTest::newRow("plain") << QStringLiteral("plain") << QByteArray("PLAIN") << true;
        QTest::newRow("PLAIN") << QStringLiteral("PLAIN") << QByteArray("PLAIN") << true;
        QTest::newRow("login") << QStringLiteral("Login") << QByteArray("LOGIN") << false;
        QTest::newRow("cram") << QStringLiteral("cram-md5") << QByteArray("CRAM-MD5") << false;
        QTest::newRow("scram") << QStringLiteral("scram-sha-256") << QByteArray("SCRAM-SHA-256")
                               << true;
        QTest::newRow("xoauth2") << QStringLiteral("xoauth2") << QByteArray("XOAUTH2") << true;
        QTest::newRow("oauthbearer")
            << QStringLiteral("OAuthBearer") << QByteArray("OAUTHBEARER") << true;
        QTest::newRow("unknown") << QStringLiteral("GSSAPI") << QByteArray() << false;
        QTest::newRow("empty") << QString() << QByteArray() << false;
        QTest::newRow("scram-sha-1") << QStringLiteral("SCRAM-SHA-1") << QByteArray() << false;
    }
    void create()
    {
        QFETCH(QString, name);
        QFETCH(QByteArray, canonical);
        QFETCH(bool, hasInitial);
        SaslCredentials c = pw(QStringLiteral("u"), QStringLiteral("p"));
        c.oauthToken = QStringLiteral("t");
        auto m = createSaslMechanism(name, c, fixedNonce("abc"));
        if (canonical.isEmpty()) {
            QVERIFY(!m);
            return;
        }
        QVERIFY(m);
        QCOMPARE(m->name(), canonical);
        QVERIFY(!m->isComplete());
        QCOMPARE(m->initialResponse().has_value(), hasInitial);
        QVERIFY(m->errorString().isEmpty());
    }

    // RFC 4616 §2: [authzid] NUL authcid NUL passwd, UTF-8.
    void plain_data()
    {
        QTest::addColumn<QString>("user");
        QTest::addColumn<QString>("password");
        QTest::addColumn<QByteArray>("base64");
        QTest::newRow("utf-8 password")
            << QStringLiteral("alice@example.org") << QStringLiteral("p\u00e4ssw\u00f6rd\u20ac")
            << QByteArray("AGFsaWNlQGV4YW1wbGUub3JnAHDDpHNzd8O2cmTigqw=");
        // RFC 4616 §4 example: "\0tim\0tanstaaftanstaaf"
        QTest::newRow("rfc4616") << QStringLiteral("tim") << QStringLiteral("tanstaaftanstaaf")
                                 << QByteArray("AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
    }
    void plain()
    {
        QFETCH(QString, user);
        QFETCH(QString, password);
        QFETCH(QByteArray, base64);
        auto m = createSaslMechanism(QStringLiteral("PLAIN"), pw(user, password));
        const auto initial = m->initialResponse();
        QVERIFY(initial);
        QCOMPARE(initial->toBase64(), base64);
        QVERIFY(m->isComplete());
        // A further challenge is a protocol error.
        QVERIFY(!m->respond(QByteArray("more?")));
        QVERIFY(!m->errorString().isEmpty());
        QVERIFY(!m->isComplete());
    }
    void plainWithoutInitialResponse()
    {
        // A server that answers "AUTH PLAIN" with an empty 334 gets the message then.
        auto m = createSaslMechanism(QStringLiteral("PLAIN"),
                                     pw(QStringLiteral("tim"), QStringLiteral("tanstaaftanstaaf")));
        const auto r = m->respond(QByteArray());
        QVERIFY(r);
        QCOMPARE(*r, QByteArray("\0tim\0tanstaaftanstaaf", 21));
        QVERIFY(m->isComplete());
    }

    // LOGIN: first challenge -> user, second -> password, whatever their text.
    void login_data()
    {
        QTest::addColumn<QByteArray>("first");
        QTest::addColumn<QByteArray>("second");
        QTest::newRow("conventional") << QByteArray("Username:") << QByteArray("Password:");
        QTest::newRow("lower case") << QByteArray("username:") << QByteArray("password:");
        QTest::newRow("empty challenges") << QByteArray() << QByteArray();
        QTest::newRow("other words") << QByteArray("User Name\0", 10) << QByteArray("Passwort");
        // Even a misleading order of texts: the position decides.
        QTest::newRow("swapped texts") << QByteArray("Password:") << QByteArray("Username:");
    }
    void login()
    {
        QFETCH(QByteArray, first);
        QFETCH(QByteArray, second);
        auto m = createSaslMechanism(QStringLiteral("LOGIN"), pw(QStringLiteral("j\u00f6rg"),
                                                                 QStringLiteral("s\u00e9cret")));
        QVERIFY(!m->initialResponse());
        QCOMPARE(m->respond(first), std::optional<QByteArray>(QByteArray("j\xc3\xb6rg")));
        QVERIFY(!m->isComplete());
        QCOMPARE(m->respond(second), std::optional<QByteArray>(QByteArray("s\xc3\xa9"
                                                                          "cret")));
        QVERIFY(m->isComplete());
        QVERIFY(!m->respond(QByteArray("Again:")));
        QVERIFY(!m->errorString().isEmpty());
    }

    // RFC 2195 §2 example.
    void cramMd5()
    {
        auto m = createSaslMechanism(QStringLiteral("CRAM-MD5"),
                                     pw(QStringLiteral("tim"), QStringLiteral("tanstaaftanstaaf")));
        QVERIFY(!m->initialResponse());
        const QByteArray challenge =
            QByteArray::fromBase64("PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+");
        QCOMPARE(challenge, QByteArray("<1896.697170952@postoffice.reston.mci.net>"));
        const auto r = m->respond(challenge);
        QVERIFY(r);
        QCOMPARE(*r, QByteArray("tim b913a602c7eda7a495b4e6e7334d3890"));
        QCOMPARE(r->toBase64(), QByteArray("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw"));
        QVERIFY(m->isComplete());
        QVERIFY(!m->respond(challenge));
        QVERIFY(!m->isComplete());
    }
    void cramMd5EmptyChallenge()
    {
        auto m = createSaslMechanism(QStringLiteral("CRAM-MD5"),
                                     pw(QStringLiteral("tim"), QStringLiteral("x")));
        QVERIFY(!m->respond(QByteArray()));
        QVERIFY(!m->errorString().isEmpty());
    }

    void scram_data()
    {
        QTest::addColumn<SaslCredentials>("creds");
        QTest::addColumn<QByteArray>("nonce");
        QTest::addColumn<QByteArray>("clientFirst");
        QTest::addColumn<QByteArray>("serverFirst");
        QTest::addColumn<QByteArray>("clientFinal");
        QTest::addColumn<QByteArray>("serverFinal");
        // RFC 7677 §3.
        QTest::newRow("rfc7677")
            << pw(QStringLiteral("user"), QStringLiteral("pencil"))
            << QByteArray("rOprNGfwEbeRWgbNEkqO") << QByteArray("n,,n=user,r=rOprNGfwEbeRWgbNEkqO")
            << QByteArray("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                          "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
            << QByteArray("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                          "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")
            << QByteArray("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
        // '=' and ',' escaped in the user name, UTF-8 password (values computed independently
        // with Python's hashlib.pbkdf2_hmac / hmac).
        QTest::newRow("escaped user, utf-8 password")
            << pw(QStringLiteral("al=ice,x"), QStringLiteral("p\u00e4ssw\u00f6rd\u20ac"))
            << QByteArray("fyko+d2lbbFgONRv9qkxdawL")
            << QByteArray("n,,n=al=3Dice=2Cx,r=fyko+d2lbbFgONRv9qkxdawL")
            << QByteArray("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=c2FsdHNhbHQ=,i=4096")
            << QByteArray("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
                          "p=hYHj0XWw0teht9toRSL+v9aITDCBmI3kHbRTn/p3J5s=")
            << QByteArray("v=U1yd5X4cQjkSBALkiorc5owfdJsU7Rov+xRhq1/f1aY=");
        // Same password in decomposed form (a + U+0308): SASLprep's NFKC makes it equal.
        QTest::newRow("nfkc password")
            << pw(QStringLiteral("al=ice,x"), QStringLiteral("pa\u0308ssw\u00f6rd\u20ac"))
            << QByteArray("fyko+d2lbbFgONRv9qkxdawL")
            << QByteArray("n,,n=al=3Dice=2Cx,r=fyko+d2lbbFgONRv9qkxdawL")
            << QByteArray("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=c2FsdHNhbHQ=,i=4096")
            << QByteArray("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
                          "p=hYHj0XWw0teht9toRSL+v9aITDCBmI3kHbRTn/p3J5s=")
            << QByteArray("v=U1yd5X4cQjkSBALkiorc5owfdJsU7Rov+xRhq1/f1aY=");
    }
    void scram()
    {
        QFETCH(SaslCredentials, creds);
        QFETCH(QByteArray, nonce);
        QFETCH(QByteArray, clientFirst);
        QFETCH(QByteArray, serverFirst);
        QFETCH(QByteArray, clientFinal);
        QFETCH(QByteArray, serverFinal);
        auto m = createSaslMechanism(QStringLiteral("SCRAM-SHA-256"), creds, fixedNonce(nonce));
        QCOMPARE(m->initialResponse(), std::optional<QByteArray>(clientFirst));
        QCOMPARE(m->respond(serverFirst), std::optional<QByteArray>(clientFinal));
        QVERIFY(!m->isComplete());
        QCOMPARE(m->respond(serverFinal), std::optional<QByteArray>(QByteArray()));
        QVERIFY(m->isComplete());
        QVERIFY(m->errorString().isEmpty());
        QVERIFY(!m->respond(QByteArray("v=again")));
    }

    void scramEmptyFirstChallenge()
    {
        auto m = createSaslMechanism(QStringLiteral("SCRAM-SHA-256"),
                                     pw(QStringLiteral("user"), QStringLiteral("pencil")),
                                     fixedNonce("rOprNGfwEbeRWgbNEkqO"));
        QCOMPARE(m->respond(QByteArray()),
                 std::optional<QByteArray>(QByteArray("n,,n=user,r=rOprNGfwEbeRWgbNEkqO")));
    }

    void scramRandomNonce()
    {
        const SaslCredentials c = pw(QStringLiteral("user"), QStringLiteral("pencil"));
        auto a = createSaslMechanism(QStringLiteral("SCRAM-SHA-256"), c);
        auto b = createSaslMechanism(QStringLiteral("SCRAM-SHA-256"), c);
        const QByteArray fa = *a->initialResponse();
        const QByteArray fb = *b->initialResponse();
        QVERIFY(fa.startsWith("n,,n=user,r="));
        QVERIFY(fa != fb);
        const QByteArray nonce = fa.mid(12);
        QVERIFY(nonce.size() >= 24);
        QVERIFY(!nonce.contains(','));
    }

    void scramNonceSanitised()
    {
        // A nonce with ',' or non-printable bytes is base64-encoded before use.
        auto m = createSaslMechanism(QStringLiteral("SCRAM-SHA-256"),
                                     pw(QStringLiteral("u"), QStringLiteral("p")),
                                     fixedNonce(QByteArray("a,b\x01", 4)));
        QCOMPARE(*m->initialResponse(),
                 QByteArray("n,,n=u,r=") + QByteArray("a,b\x01", 4).toBase64());
    }

    // Server messages that must stop the exchange (nullopt, errorString(), not complete).
    void scramFailures_data()
    {
        QTest::addColumn<QList<Step>>("steps");
        const QByteArray sf = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                              "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
        const QByteArray cf = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                              "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
        auto fails = [](const QByteArray &c) {
            return Step{c, std::nullopt};
        };
        QTest::newRow("wrong server signature")
            << QList<Step>{{sf, cf}, fails("v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")};
        QTest::newRow("truncated server signature")
            << QList<Step>{{sf, cf}, fails("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl9")};
        QTest::newRow("server signature not base64")
            << QList<Step>{{sf, cf}, fails("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=!!")};
        QTest::newRow("server error") << QList<Step>{{sf, cf}, fails("e=invalid-proof")};
        QTest::newRow("empty server-final") << QList<Step>{{sf, cf}, fails("")};
        QTest::newRow("nonce not extended")
            << QList<Step>{fails("r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")};
        QTest::newRow("other nonce")
            << QList<Step>{fails("r=XXXXNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")};
        QTest::newRow("mandatory extension")
            << QList<Step>{fails("m=ext,r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1")};
        QTest::newRow("bad salt") << QList<Step>{fails("r=rOprNGfwEbeRWgbNEkqOabc,s=***,i=4096")};
        QTest::newRow("empty salt") << QList<Step>{fails("r=rOprNGfwEbeRWgbNEkqOabc,s=,i=4096")};
        QTest::newRow("zero iterations")
            << QList<Step>{fails("r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0")};
        QTest::newRow("negative iterations")
            << QList<Step>{fails("r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=-5")};
        QTest::newRow("too many iterations") << QList<Step>{
            fails("r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999")};
        QTest::newRow("iterations not a number")
            << QList<Step>{fails("r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=lots")};
        QTest::newRow("missing iterations")
            << QList<Step>{fails("r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==")};
        QTest::newRow("wrong order")
            << QList<Step>{fails("s=W22ZaJ0SNY7soEsUEjb6gQ==,r=rOprNGfwEbeRWgbNEkqOabc,i=4096")};
        QTest::newRow("garbage") << QList<Step>{fails("hello")};
        QTest::newRow("empty server-first") << QList<Step>{fails("")};
    }
    void scramFailures()
    {
        QFETCH(QList<Step>, steps);
        auto m = createSaslMechanism(QStringLiteral("SCRAM-SHA-256"),
                                     pw(QStringLiteral("user"), QStringLiteral("pencil")),
                                     fixedNonce("rOprNGfwEbeRWgbNEkqO"));
        QVERIFY(m->initialResponse());
        for (const Step &s : steps) {
            const auto r = m->respond(s.challenge);
            QCOMPARE(r, s.response);
        }
        QVERIFY(!m->isComplete());
        QVERIFY(m->errorString().startsWith(QLatin1String("SCRAM-SHA-256: ")));
        // Once failed, it stays failed.
        QVERIFY(!m->respond(QByteArray("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")));
        QVERIFY(!m->isComplete());
    }

    void scramControlCharacterInUser()
    {
        auto m = createSaslMechanism(QStringLiteral("SCRAM-SHA-256"),
                                     pw(QStringLiteral("us\ter"), QStringLiteral("p")));
        QVERIFY(!m->initialResponse());
        QVERIFY(!m->respond(QByteArray()));
        QVERIFY(!m->errorString().isEmpty());
    }

    // Google's documented example.
    void xoauth2()
    {
        auto m = createSaslMechanism(
            QStringLiteral("XOAUTH2"),
            token(QStringLiteral("someuser@example.com"),
                  QStringLiteral("ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg")));
        const auto r = m->initialResponse();
        QVERIFY(r);
        QCOMPARE(*r, QByteArray("user=someuser@example.com\x01"
                                "auth=Bearer "
                                "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\x01\x01"));
        QCOMPARE(r->toBase64(),
                 QByteArray("dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRx"
                            "bVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ=="));
        QVERIFY(m->isComplete());
    }
    void xoauth2Error()
    {
        auto m = createSaslMechanism(QStringLiteral("XOAUTH2"),
                                     token(QStringLiteral("u@example.com"), QStringLiteral("tok")));
        QVERIFY(m->initialResponse());
        // The error challenge is answered with an empty response; the server then sends 535.
        const auto r = m->respond(QByteArray(
            "{\"status\":\"401\",\"schemes\":\"Bearer\",\"scope\":\"https://mail.google.com/\"}"));
        QCOMPARE(r, std::optional<QByteArray>(QByteArray()));
        QVERIFY(!m->isComplete());
        QVERIFY(m->errorString().contains(QLatin1String("status=401")));
        QVERIFY(!m->respond(QByteArray("again")));
    }

    // RFC 7628 §4.1.
    void oauthBearer()
    {
        SaslCredentials c = token(QStringLiteral("user@example.com"),
                                  QStringLiteral("vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg=="));
        c.host = QStringLiteral("server.example.com");
        c.port = 143;
        auto m = createSaslMechanism(QStringLiteral("OAUTHBEARER"), c);
        const auto r = m->initialResponse();
        QVERIFY(r);
        QCOMPARE(r->toBase64(),
                 QByteArray("bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9M"
                            "TQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMj"
                            "l0Q2c9PQEB"));
        QVERIFY(m->isComplete());
    }
    void oauthBearerMinimal_data()
    {
        QTest::addColumn<QString>("user");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("no user") << QString()
                                 << QByteArray("n,,\x01"
                                               "auth=Bearer T\x01\x01");
        QTest::newRow("escaped user") << QStringLiteral("a,b=c")
                                      << QByteArray("n,a=a=2Cb=3Dc,\x01"
                                                    "auth=Bearer T\x01\x01");
    }
    void oauthBearerMinimal()
    {
        QFETCH(QString, user);
        QFETCH(QByteArray, expected);
        auto m =
            createSaslMechanism(QStringLiteral("OAUTHBEARER"), token(user, QStringLiteral("T")));
        QCOMPARE(m->initialResponse(), std::optional<QByteArray>(expected));
    }
    void oauthBearerError()
    {
        auto m = createSaslMechanism(QStringLiteral("OAUTHBEARER"),
                                     token(QStringLiteral("u"), QStringLiteral("T")));
        QVERIFY(m->initialResponse());
        // RFC 7628 §3.2.3: the client answers the error with a single %x01.
        const auto r = m->respond(QByteArray("{\"status\":\"invalid_token\"}"));
        QCOMPARE(r, std::optional<QByteArray>(QByteArray("\x01")));
        QVERIFY(!m->isComplete());
        QVERIFY(m->errorString().contains(QLatin1String("invalid_token")));
    }
    void oauthErrorNotJson()
    {
        auto m = createSaslMechanism(QStringLiteral("XOAUTH2"),
                                     token(QStringLiteral("u"), QStringLiteral("T")));
        QVERIFY(m->initialResponse());
        QCOMPARE(m->respond(QByteArray("nope")), std::optional<QByteArray>(QByteArray()));
        QVERIFY(!m->errorString().isEmpty());
    }

    void choose_data()
    {
        QTest::addColumn<QStringList>("offered");
        QTest::addColumn<QString>("setting");
        QTest::addColumn<SaslCredentials>("creds");
        QTest::addColumn<QString>("expected");
        const SaslCredentials p = pw(QStringLiteral("u"), QStringLiteral("p"));
        const SaslCredentials t = token(QStringLiteral("u"), QStringLiteral("t"));
        const SaslCredentials tNoUser = token(QString(), QStringLiteral("t"));
        SaslCredentials both = p;
        both.oauthToken = QStringLiteral("t");
        const SaslCredentials noPw = pw(QStringLiteral("u"), QString());
        const SaslCredentials noUser = pw(QString(), QStringLiteral("p"));
        const QStringList all = {QStringLiteral("LOGIN"),    QStringLiteral("PLAIN"),
                                 QStringLiteral("CRAM-MD5"), QStringLiteral("SCRAM-SHA-256"),
                                 QStringLiteral("XOAUTH2"),  QStringLiteral("OAUTHBEARER")};
        const QStringList legacy = {QStringLiteral("LOGIN"), QStringLiteral("PLAIN")};
        const QStringList lower = {QStringLiteral("login"), QStringLiteral("cram-md5")};
        const QStringList oauth = {QStringLiteral("XOAUTH2")};
        const QString autoS = QStringLiteral("auto");
        QTest::newRow("auto all, password") << all << autoS << p << QStringLiteral("SCRAM-SHA-256");
        QTest::newRow("auto legacy, password") << legacy << autoS << p << QStringLiteral("PLAIN");
        QTest::newRow("auto login only")
            << QStringList{QStringLiteral("LOGIN")} << autoS << p << QStringLiteral("LOGIN");
        QTest::newRow("auto lower-case offer") << lower << autoS << p << QStringLiteral("CRAM-MD5");
        QTest::newRow("auto empty setting") << legacy << QString() << p << QStringLiteral("PLAIN");
        QTest::newRow("AUTO upper-case")
            << all << QStringLiteral("AUTO") << p << QStringLiteral("SCRAM-SHA-256");
        QTest::newRow("auto all, token") << all << autoS << t << QStringLiteral("OAUTHBEARER");
        QTest::newRow("auto xoauth2 only, token")
            << oauth << autoS << t << QStringLiteral("XOAUTH2");
        QTest::newRow("auto token, legacy offer") << legacy << autoS << t << QString();
        QTest::newRow("auto token without user")
            << all << autoS << tNoUser << QStringLiteral("OAUTHBEARER");
        QTest::newRow("auto xoauth2 needs user") << oauth << autoS << tNoUser << QString();
        QTest::newRow("auto both, password first")
            << all << autoS << both << QStringLiteral("SCRAM-SHA-256");
        QTest::newRow("auto both, only oauth offered")
            << oauth << autoS << both << QStringLiteral("XOAUTH2");
        QTest::newRow("auto no password") << all << autoS << noPw << QString();
        QTest::newRow("auto no user") << legacy << autoS << noUser << QString();
        QTest::newRow("auto nothing offered") << QStringList() << autoS << p << QString();
        QTest::newRow("auto unknown only")
            << QStringList{QStringLiteral("GSSAPI"), QStringLiteral("NTLM")} << autoS << p
            << QString();
        QTest::newRow("named plain")
            << all << QStringLiteral("plain") << p << QStringLiteral("PLAIN");
        QTest::newRow("named login")
            << all << QStringLiteral("login") << p << QStringLiteral("LOGIN");
        QTest::newRow("named cram-md5")
            << all << QStringLiteral("Cram-MD5") << p << QStringLiteral("CRAM-MD5");
        QTest::newRow("named scram")
            << all << QStringLiteral("scram-sha-256") << p << QStringLiteral("SCRAM-SHA-256");
        QTest::newRow("named xoauth2")
            << all << QStringLiteral("xoauth2") << t << QStringLiteral("XOAUTH2");
        QTest::newRow("named oauthbearer")
            << all << QStringLiteral("oauthbearer") << t << QStringLiteral("OAUTHBEARER");
        QTest::newRow("named not offered")
            << legacy << QStringLiteral("scram-sha-256") << p << QString();
        QTest::newRow("named, wrong credentials")
            << all << QStringLiteral("xoauth2") << p << QString();
        QTest::newRow("named password mech, token only")
            << all << QStringLiteral("plain") << t << QString();
        QTest::newRow("named unknown")
            << QStringList{QStringLiteral("GSSAPI")} << QStringLiteral("gssapi") << p << QString();
    }
    void choose()
    {
        QFETCH(QStringList, offered);
        QFETCH(QString, setting);
        QFETCH(SaslCredentials, creds);
        QFETCH(QString, expected);
        QCOMPARE(chooseSaslMechanism(offered, setting, creds), expected);
    }
};

QTEST_GUILESS_MAIN(TestSasl)
#include "tst_sasl.moc"
