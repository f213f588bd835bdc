// Capabilities::fromEhloReply (RFC 5321 §4.1.1.1 and the extensions' RFCs), fed through the
// real reply parser so that the bytes are what a server sends.
#include "smtp/Capabilities.h"
#include "smtp/SmtpReplyParser.h"

#include <QTest>

using namespace outpost;

namespace {

SmtpReply parseOne(const QByteArray &bytes)
{
    SmtpReplyParser p;
    p.feed(bytes);
    SmtpReply r;
    if (p.next(&r) != SmtpReplyParser::Status::Reply)
        qFatal("test input is not one reply: %s", qPrintable(p.errorString()));
    return r;
}

// Every typed field, one entry each, in a fixed order (flags only when set).
QStringList summary(const Capabilities &c)
{
    QStringList out;
    out << QStringLiteral("domain=") + QString::fromLatin1(c.domain);
    const QList<QPair<bool, const char *>> flags = {{c.pipelining, "PIPELINING"},
                                                    {c.chunking, "CHUNKING"},
                                                    {c.binaryMime, "BINARYMIME"},
                                                    {c.eightBitMime, "8BITMIME"},
                                                    {c.smtpUtf8, "SMTPUTF8"},
                                                    {c.dsn, "DSN"},
                                                    {c.enhancedStatusCodes, "ENHANCEDSTATUSCODES"},
                                                    {c.startTls, "STARTTLS"},
                                                    {c.requireTls, "REQUIRETLS"}};
    for (const auto &f : flags) {
        if (f.first)
            out << QString::fromLatin1(f.second);
    }
    if (c.sizeAdvertised)
        out << QStringLiteral("SIZE=%1").arg(c.sizeLimit);
    if (!c.authMechanisms.isEmpty())
        out << QStringLiteral("AUTH=") + c.authMechanisms.join(QLatin1Char(','));
    return out;
}

} // namespace

class TestCapabilities : public QObject
{
    Q_OBJECT
private slots:
    void parse_data()
    {
        QTest::addColumn<QByteArray>("ehlo");
        QTest::addColumn<QStringList>("expected");
        auto sl = [](std::initializer_list<const char *> l) {
            QStringList out;
            for (const char *s : l)
                out << QString::fromLatin1(s);
            return out;
        };

        QTest::newRow("no extensions")
            << QByteArray("250 mx.example.com\r\n") << sl({"domain=mx.example.com"});
        QTest::newRow("greeting text after domain")
            << QByteArray("250 mx.example.com Hello client [127.0.0.1]\r\n")
            << sl({"domain=mx.example.com"});
        QTest::newRow("postfix")
            << QByteArray("250-mx.example.com\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
                          "250-VRFY\r\n250-ETRN\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n"
                          "250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n")
            << sl({"domain=mx.example.com", "PIPELINING", "CHUNKING", "8BITMIME", "SMTPUTF8", "DSN",
                   "ENHANCEDSTATUSCODES", "STARTTLS", "SIZE=10240000"});
        QTest::newRow("gmail after STARTTLS")
            << QByteArray("250-smtp.gmail.com at your service, [203.0.113.5]\r\n"
                          "250-SIZE 35882577\r\n250-8BITMIME\r\n"
                          "250-AUTH LOGIN PLAIN XOAUTH2 PLAIN-CLIENTTOKEN OAUTHBEARER XOAUTH\r\n"
                          "250-ENHANCEDSTATUSCODES\r\n250-PIPELINING\r\n250-CHUNKING\r\n"
                          "250 SMTPUTF8\r\n")
            << sl({"domain=smtp.gmail.com", "PIPELINING", "CHUNKING", "8BITMIME", "SMTPUTF8",
                   "ENHANCEDSTATUSCODES", "SIZE=35882577",
                   "AUTH=LOGIN,PLAIN,XOAUTH2,PLAIN-CLIENTTOKEN,OAUTHBEARER,XOAUTH"});
        QTest::newRow("keywords in lower and mixed case")
            << QByteArray("250-mx\r\n250-pipelining\r\n250-Size 1000\r\n250-StartTls\r\n"
                          "250-auth plain Login\r\n250-8bitmime\r\n250-binarymime\r\n"
                          "250-RequireTLS\r\n250 smtputf8\r\n")
            << sl({"domain=mx", "PIPELINING", "BINARYMIME", "8BITMIME", "SMTPUTF8", "STARTTLS",
                   "REQUIRETLS", "SIZE=1000", "AUTH=PLAIN,LOGIN"});
        QTest::newRow("old AUTH= form only")
            << QByteArray("250-mx\r\n250 AUTH=LOGIN\r\n") << sl({"domain=mx", "AUTH=LOGIN"});
        QTest::newRow("old AUTH= form with several")
            << QByteArray("250-mx\r\n250 AUTH=LOGIN PLAIN\r\n")
            << sl({"domain=mx", "AUTH=LOGIN,PLAIN"});
        QTest::newRow("both AUTH forms, merged without duplicates")
            << QByteArray("250-mx\r\n250-AUTH LOGIN PLAIN CRAM-MD5\r\n250 AUTH=LOGIN PLAIN\r\n")
            << sl({"domain=mx", "AUTH=LOGIN,PLAIN,CRAM-MD5"});
        QTest::newRow("lower-case auth= form")
            << QByteArray("250-mx\r\n250 auth=login\r\n") << sl({"domain=mx", "AUTH=LOGIN"});
        QTest::newRow("AUTH without mechanisms")
            << QByteArray("250-mx\r\n250 AUTH\r\n") << sl({"domain=mx"});
        QTest::newRow("AUTH with extra spaces")
            << QByteArray("250-mx\r\n250 AUTH  PLAIN   LOGIN  \r\n")
            << sl({"domain=mx", "AUTH=PLAIN,LOGIN"});
        QTest::newRow("invalid mechanism names ignored")
            << QByteArray("250-mx\r\n250 AUTH PL\xc3\xa4IN LOGIN X=Y ABCDEFGHIJKLMNOPQRSTU "
                          "ABCDEFGHIJKLMNOPQRST scram-sha-256 X_Y\r\n")
            << sl({"domain=mx", "AUTH=LOGIN,ABCDEFGHIJKLMNOPQRST,SCRAM-SHA-256,X_Y"});
        QTest::newRow("SIZE without number")
            << QByteArray("250-mx\r\n250 SIZE\r\n") << sl({"domain=mx", "SIZE=0"});
        QTest::newRow("SIZE 0 means no fixed limit")
            << QByteArray("250-mx\r\n250 SIZE 0\r\n") << sl({"domain=mx", "SIZE=0"});
        QTest::newRow("SIZE not a number")
            << QByteArray("250-mx\r\n250 SIZE lots\r\n") << sl({"domain=mx", "SIZE=0"});
        QTest::newRow("SIZE negative")
            << QByteArray("250-mx\r\n250 SIZE -5\r\n") << sl({"domain=mx", "SIZE=0"});
        QTest::newRow("SIZE beyond 32 bits") << QByteArray("250-mx\r\n250 SIZE 10000000000\r\n")
                                             << sl({"domain=mx", "SIZE=10000000000"});
        QTest::newRow("SIZE with trailing spaces")
            << QByteArray("250-mx\r\n250-SIZE 52428800   \r\n250 DSN\r\n")
            << sl({"domain=mx", "DSN", "SIZE=52428800"});
        QTest::newRow("keyword on the last line only")
            << QByteArray("250-mx.example.com\r\n250 STARTTLS\r\n")
            << sl({"domain=mx.example.com", "STARTTLS"});
        QTest::newRow("keyword on the last line only, code-only end")
            << QByteArray("250-mx.example.com\r\n250-STARTTLS\r\n250\r\n")
            << sl({"domain=mx.example.com", "STARTTLS"});
        QTest::newRow("trailing spaces")
            << QByteArray("250-mx.example.com \r\n250-PIPELINING \r\n250-STARTTLS\t\r\n"
                          "250 8BITMIME  \r\n")
            << sl({"domain=mx.example.com", "PIPELINING", "8BITMIME", "STARTTLS"});
        QTest::newRow("bare LF") << QByteArray("250-mx\n250-PIPELINING\n250 STARTTLS\n")
                                 << sl({"domain=mx", "PIPELINING", "STARTTLS"});
        QTest::newRow("empty keyword lines ignored")
            << QByteArray("250-mx\r\n250-\r\n250- \r\n250 DSN\r\n") << sl({"domain=mx", "DSN"});
        QTest::newRow("unknown keywords only")
            << QByteArray("250-mx\r\n250-X-EXPS GSSAPI NTLM\r\n250 XCLIENT NAME ADDR\r\n")
            << sl({"domain=mx"});
        QTest::newRow("look-alike keywords are not matched")
            << QByteArray("250-mx\r\n250-PIPELININGX\r\n250-XSTARTTLS\r\n250 SIZEX 100\r\n")
            << sl({"domain=mx"});
    }
    void parse()
    {
        QFETCH(QByteArray, ehlo);
        QFETCH(QStringList, expected);
        const Capabilities c = Capabilities::fromEhloReply(parseOne(ehlo));
        QVERIFY(c.esmtp);
        QCOMPARE(summary(c), expected);
    }

    void hasIsCaseInsensitive_data()
    {
        QTest::addColumn<QByteArray>("ask");
        QTest::addColumn<bool>("present");
        QTest::newRow("upper") << QByteArray("PIPELINING") << true;
        QTest::newRow("lower") << QByteArray("pipelining") << true;
        QTest::newRow("mixed") << QByteArray("StartTLS") << true;
        QTest::newRow("unknown keyword kept") << QByteArray("x-exps") << true;
        QTest::newRow("auth") << QByteArray("auth") << true;
        QTest::newRow("absent") << QByteArray("CHUNKING") << false;
        QTest::newRow("prefix only") << QByteArray("PIPE") << false;
    }
    void hasIsCaseInsensitive()
    {
        QFETCH(QByteArray, ask);
        QFETCH(bool, present);
        const Capabilities c = Capabilities::fromEhloReply(
            parseOne("250-mx\r\n250-Pipelining\r\n250-starttls\r\n250-X-EXPS GSSAPI\r\n"
                     "250 AUTH=LOGIN\r\n"));
        QCOMPARE(c.has(ask), present);
    }

    void keywordParameters()
    {
        const Capabilities c = Capabilities::fromEhloReply(
            parseOne("250-mx\r\n250-SIZE 1000 \r\n250-X-EXPS GSSAPI NTLM\r\n"
                     "250-AUTH PLAIN LOGIN\r\n250 AUTH=LOGIN\r\n"));
        QCOMPARE(c.keywords.value("SIZE"), QByteArray("1000"));
        QCOMPARE(c.keywords.value("X-EXPS"), QByteArray("GSSAPI NTLM"));
        QCOMPARE(c.keywords.value("AUTH"), QByteArray("PLAIN LOGIN"));
        QCOMPARE(c.describe(),
                 (QStringList{QStringLiteral("AUTH PLAIN LOGIN"), QStringLiteral("SIZE 1000"),
                              QStringLiteral("X-EXPS GSSAPI NTLM")}));
    }

    void emptyReply()
    {
        const Capabilities c = Capabilities::fromEhloReply(SmtpReply{});
        QVERIFY(c.esmtp);
        QVERIFY(c.domain.isEmpty());
        QVERIFY(c.keywords.isEmpty());
    }

    void heloDefault()
    {
        const Capabilities c;
        QVERIFY(!c.esmtp);
        QVERIFY(!c.has("PIPELINING"));
        QVERIFY(c.authMechanisms.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestCapabilities)
#include "tst_capabilities.moc"
