// Delivery status notification requests (RFC 3461): xtext (§4), the RFC 6533 utf-8 address
// type for ORCPT, and the validation of NOTIFY / RET / ENVID.

#include "smtp/Dsn.h"

#include <QTest>

using namespace outpost;

class TestDsn : public QObject
{
    Q_OBJECT
private slots:
    void xtext_data()
    {
        QTest::addColumn<QByteArray>("plain");
        QTest::addColumn<QByteArray>("xtext");
        QTest::newRow("empty") << QByteArray() << QByteArray();
        QTest::newRow("address") << QByteArray("bob@example.net") << QByteArray("bob@example.net");
        QTest::newRow("plus") << QByteArray("bob+tag@example.net")
                              << QByteArray("bob+2Btag@example.net");
        QTest::newRow("equals") << QByteArray("a=b") << QByteArray("a+3Db");
        QTest::newRow("space") << QByteArray("id 42") << QByteArray("id+2042");
        QTest::newRow("controls") << QByteArray("a\tb\r\nc\x01\x7f", 8)
                                  << QByteArray("a+09b+0D+0Ac+01+7F");
        QTest::newRow("nul") << QByteArray("a\0b", 3) << QByteArray("a+00b");
        QTest::newRow("non-ASCII bytes")
            << QByteArray("j\xc3\xbcrgen") << QByteArray("j+C3+BCrgen");
        QTest::newRow("high byte") << QByteArray("\xff") << QByteArray("+FF");
        QTest::newRow("xchars kept") << QByteArray("!\"#$%&'()*,-./:;<>?[\\]^_`{|}~")
                                     << QByteArray("!\"#$%&'()*,-./:;<>?[\\]^_`{|}~");
        QTest::newRow("plus at end") << QByteArray("+") << QByteArray("+2B");
    }
    void xtext()
    {
        QFETCH(QByteArray, plain);
        QFETCH(QByteArray, xtext);
        QCOMPARE(xtextEncode(plain), xtext);
        QByteArray back;
        QVERIFY(xtextDecode(xtext, &back));
        QCOMPARE(back, plain);
    }

    void xtextDecodeRefuses_data()
    {
        QTest::addColumn<QByteArray>("xtext");
        QTest::newRow("plus alone") << QByteArray("+");
        QTest::newRow("one digit") << QByteArray("a+4");
        QTest::newRow("lower-case hex") << QByteArray("+2b");
        QTest::newRow("not hex") << QByteArray("+G0");
        QTest::newRow("raw equals") << QByteArray("a=b");
        QTest::newRow("raw space") << QByteArray("a b");
        QTest::newRow("raw high byte") << QByteArray("\xc3\xbc");
    }
    void xtextDecodeRefuses()
    {
        QFETCH(QByteArray, xtext);
        QByteArray out = "unchanged";
        QVERIFY(!xtextDecode(xtext, &out));
        QCOMPARE(out, QByteArray("unchanged"));
    }

    void orcpt_data()
    {
        QTest::addColumn<QByteArray>("address");
        QTest::addColumn<QByteArray>("orcpt");
        QTest::newRow("ascii") << QByteArray("bob@example.net")
                               << QByteArray("rfc822;bob@example.net");
        QTest::newRow("ascii plus")
            << QByteArray("bob+x@example.net") << QByteArray("rfc822;bob+2Bx@example.net");
        // RFC 6533 §3 utf-8-addr-xtext: "\x{HEX}" for non-ASCII and for "+", "=", "\".
        QTest::newRow("latin") << QByteArray("j\xc3\xbcrgen@example.net")
                               << QByteArray("utf-8;j\\x{FC}rgen@example.net");
        QTest::newRow("cjk") << QByteArray("\xe6\x97\xa5\xe6\x9c\xac@example.net")
                             << QByteArray("utf-8;\\x{65E5}\\x{672C}@example.net");
        QTest::newRow("astral") << QByteArray("\xf0\x9f\x98\x80@example.net")
                                << QByteArray("utf-8;\\x{1F600}@example.net");
        QTest::newRow("utf-8 with plus and equals")
            << QByteArray("\xc3\xa9+a=b\\c@example.net")
            << QByteArray("utf-8;\\x{E9}\\x{2B}a\\x{3D}b\\x{5C}c@example.net");
    }
    void orcpt()
    {
        QFETCH(QByteArray, address);
        QFETCH(QByteArray, orcpt);
        QCOMPARE(dsnOrcptValue(address), orcpt);
        for (const char c : dsnOrcptValue(address))
            QVERIFY(static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f);
    }

    void notify_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("problem");
        QTest::addColumn<QString>("canonical");
        QTest::addColumn<QString>("offending");
        const int ok = int(DsnProblem::None);
        QTest::newRow("never") << "never" << ok << "never"
                               << "";
        QTest::newRow("NEVER upper") << "NEVER" << ok << "never"
                                     << "";
        QTest::newRow("success") << "success" << ok << "success"
                                 << "";
        QTest::newRow("all, any order") << "delay,success,failure" << ok << "success,failure,delay"
                                        << "";
        QTest::newRow("spaces and repeats") << " failure , Failure,delay " << ok << "failure,delay"
                                            << "";
        QTest::newRow("empty") << "" << int(DsnProblem::NotifyEmpty) << ""
                               << "";
        QTest::newRow("commas only") << ",," << int(DsnProblem::NotifyEmpty) << ""
                                     << "";
        QTest::newRow("never with success")
            << "never,success" << int(DsnProblem::NotifyNeverCombined) << ""
            << "";
        QTest::newRow("success with never")
            << "success,NEVER" << int(DsnProblem::NotifyNeverCombined) << ""
            << "";
        QTest::newRow("typo") << "success,falure" << int(DsnProblem::NotifyUnknown) << ""
                              << "falure";
        QTest::newRow("sendmail's none") << "none" << int(DsnProblem::NotifyUnknown) << ""
                                         << "none";
    }
    void notify()
    {
        QFETCH(QString, text);
        QFETCH(int, problem);
        QFETCH(QString, canonical);
        QFETCH(QString, offending);
        int value = -1;
        QString bad;
        QCOMPARE(int(parseDsnNotify(text, &value, &bad)), problem);
        QCOMPARE(bad, offending);
        if (problem == int(DsnProblem::None)) {
            QCOMPARE(dsnNotifyName(value), canonical);
            int again = -1;
            QCOMPARE(parseDsnNotify(dsnNotifyName(value), &again), DsnProblem::None);
            QCOMPARE(again, value);
        } else {
            QCOMPARE(value, -1); // untouched
        }
    }

    void ret_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("problem");
        QTest::addColumn<QString>("canonical");
        QTest::newRow("full") << "full" << int(DsnProblem::None) << "full";
        QTest::newRow("HDRS") << "HDRS" << int(DsnProblem::None) << "hdrs";
        QTest::newRow("headers") << "headers" << int(DsnProblem::RetUnknown) << "";
        QTest::newRow("empty") << "" << int(DsnProblem::RetUnknown) << "";
    }
    void ret()
    {
        QFETCH(QString, text);
        QFETCH(int, problem);
        QFETCH(QString, canonical);
        DsnRequest::Ret r = DsnRequest::Ret::Default;
        QCOMPARE(int(parseDsnRet(text, &r)), problem);
        QCOMPARE(dsnRetName(r), canonical);
    }

    void envid_data()
    {
        QTest::addColumn<QString>("envid");
        QTest::addColumn<int>("problem");
        QTest::newRow("simple") << "QQ314159" << int(DsnProblem::None);
        QTest::newRow("space and plus") << "batch 7+x=y" << int(DsnProblem::None);
        QTest::newRow("100 characters") << QString(100, QLatin1Char('x')) << int(DsnProblem::None);
        QTest::newRow("101 characters")
            << QString(101, QLatin1Char('x')) << int(DsnProblem::EnvidTooLong);
        QTest::newRow("tab") << "a\tb" << int(DsnProblem::EnvidNotPrintable);
        QTest::newRow("CRLF") << "a\r\nMAIL FROM:<x>" << int(DsnProblem::EnvidNotPrintable);
        QTest::newRow("DEL") << "a\x7f" << int(DsnProblem::EnvidNotPrintable);
        QTest::newRow("non-ASCII")
            << QStringLiteral("caf\u00e9") << int(DsnProblem::EnvidNotPrintable);
    }
    void envid()
    {
        QFETCH(QString, envid);
        QFETCH(int, problem);
        QCOMPARE(int(checkDsnEnvid(envid)), problem);
        DsnRequest r;
        r.envid = envid.toLatin1();
        if (problem == int(DsnProblem::None))
            QCOMPARE(checkDsnRequest(r), DsnProblem::None);
    }

    void request()
    {
        DsnRequest none;
        QVERIFY(!none.isRequested());
        QCOMPARE(checkDsnRequest(none), DsnProblem::None);
        DsnRequest r;
        r.notify = DsnRequest::Never | DsnRequest::Delay;
        QCOMPARE(checkDsnRequest(r), DsnProblem::NotifyNeverCombined);
        r.notify = 0x40;
        QCOMPARE(checkDsnRequest(r), DsnProblem::NotifyUnknown);
        r = {};
        r.ret = DsnRequest::Ret::Hdrs;
        QVERIFY(r.isRequested());
        r = {};
        r.envid = "x";
        QVERIFY(r.isRequested());
    }
};

QTEST_GUILESS_MAIN(TestDsn)
#include "tst_dsn.moc"
