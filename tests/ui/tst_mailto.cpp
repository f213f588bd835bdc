// mailto: URLs (RFC 6068) into compose fields.
#include "Mailto.h"

#include <QTest>

using outpost::ui::parseMailto;
using namespace Qt::Literals::StringLiterals;

class TestMailto : public QObject
{
    Q_OBJECT
private slots:
    void parse_data();
    void parse();
    void notMailto();
};

void TestMailto::parse_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QStringList>("to");
    QTest::addColumn<QStringList>("cc");
    QTest::addColumn<QStringList>("bcc");
    QTest::addColumn<QString>("subject");
    QTest::addColumn<QString>("body");

    const QStringList none;
    // RFC 6068 §6.1 examples.
    QTest::newRow("plain") << u"mailto:chris@example.com"_s << QStringList{u"chris@example.com"_s}
                           << none << none << QString() << QString();
    QTest::newRow("subject") << u"mailto:infobot@example.com?subject=current-issue"_s
                             << QStringList{u"infobot@example.com"_s} << none << none
                             << u"current-issue"_s << QString();
    QTest::newRow("body") << u"mailto:infobot@example.com?body=send%20current-issue"_s
                          << QStringList{u"infobot@example.com"_s} << none << none << QString()
                          << u"send current-issue"_s;
    QTest::newRow("body-crlf")
        << u"mailto:infobot@example.com?body=send%20current-issue%0D%0Asend%20index"_s
        << QStringList{u"infobot@example.com"_s} << none << none << QString()
        << u"send current-issue\nsend index"_s;
    QTest::newRow("in-reply-to-ignored-header")
        << u"mailto:list@example.org?In-Reply-To=%3C3469A91.D10AF4C@example.com%3E&X-Other=1"_s
        << QStringList{u"list@example.org"_s} << none << none << QString() << QString();
    QTest::newRow("two-in-path") << u"mailto:joe@example.com,bob@example.com"_s
                                 << QStringList{u"joe@example.com"_s, u"bob@example.com"_s} << none
                                 << none << QString() << QString();
    QTest::newRow("to-hfield-adds")
        << u"mailto:joe@example.com?to=bob@example.com&cc=carol@example.com"_s
        << QStringList{u"joe@example.com"_s, u"bob@example.com"_s}
        << QStringList{u"carol@example.com"_s} << none << QString() << QString();
    QTest::newRow("only-hfields") << u"mailto:?to=joe@example.com&cc=bob@example.com&body=hello"_s
                                  << QStringList{u"joe@example.com"_s}
                                  << QStringList{u"bob@example.com"_s} << none << QString()
                                  << u"hello"_s;
    QTest::newRow("bcc-and-case") << u"mailto:a@example.org?BCC=hidden@example.org&SUBJECT=Hi"_s
                                  << QStringList{u"a@example.org"_s} << none
                                  << QStringList{u"hidden@example.org"_s} << u"Hi"_s << QString();
    QTest::newRow("percent-at") << u"mailto:gorby%25kremvax@example.com"_s
                                << QStringList{u"gorby%kremvax@example.com"_s} << none << none
                                << QString() << QString();
    QTest::newRow("quoted-local") << u"mailto:%22not%40me%22@example.org"_s
                                  << QStringList{u"\"not@me\"@example.org"_s} << none << none
                                  << QString() << QString();
    QTest::newRow("question-in-local")
        << u"mailto:unlikely%3Faddress@example.com?blat=foop"_s
        << QStringList{u"unlikely?address@example.com"_s} << none << none << QString() << QString();
    QTest::newRow("utf8-subject")
        << u"mailto:user@example.org?subject=%E3%83%86%E3%82%B9%E3%83%88"_s
        << QStringList{u"user@example.org"_s} << none << none
        << QString::fromUtf8("\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88") << QString();
    QTest::newRow("plus-is-plus") << u"mailto:a+tag@example.org?subject=1+1%3D2"_s
                                  << QStringList{u"a+tag@example.org"_s} << none << none
                                  << u"1+1=2"_s << QString();
    QTest::newRow("amp-and-eq-encoded")
        << u"mailto:a@example.org?subject=Tom%20%26%20Jerry&body=x%3Dy"_s
        << QStringList{u"a@example.org"_s} << none << none << u"Tom & Jerry"_s << u"x=y"_s;
    QTest::newRow("comma-in-cc") << u"mailto:?cc=a@example.org,b@example.org"_s << none
                                 << QStringList{u"a@example.org"_s, u"b@example.org"_s} << none
                                 << QString() << QString();
    QTest::newRow("idn-domain") << QString::fromUtf8("mailto:user@%E2%9C%89.example.com")
                                << QStringList{QString::fromUtf8("user@\xe2\x9c\x89.example.com")}
                                << none << none << QString() << QString();
    QTest::newRow("scheme-case") << u"MAILTO:x@example.org"_s << QStringList{u"x@example.org"_s}
                                 << none << none << QString() << QString();
}

void TestMailto::parse()
{
    QFETCH(QString, url);
    const auto f = parseMailto(QUrl(url));
    QVERIFY(f.valid);
    QTEST(f.to, "to");
    QTEST(f.cc, "cc");
    QTEST(f.bcc, "bcc");
    QTEST(f.subject, "subject");
    QTEST(f.body, "body");
}

void TestMailto::notMailto()
{
    QVERIFY(!parseMailto(QUrl(QStringLiteral("https://example.org/?to=x@example.org"))).valid);
    QVERIFY(!parseMailto(QUrl()).valid);
}

QTEST_GUILESS_MAIN(TestMailto)
#include "tst_mailto.moc"
