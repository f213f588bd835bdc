// encodeDataForSmtp() and normalizeForBdat() (RFC 5321 §4.5.2, RFC 3030): exact output bytes,
// longest line and 8-bit flag, for hand-written rows and, against a plain octet-by-octet
// reference, for random inputs made of the octets that matter (CR, LF, '.', 8-bit, text).
#include "smtp/WireEncoding.h"

#include <QRandomGenerator>
#include <QTest>

using namespace outpost;

namespace {
/// The straightforward definition the fast encoder must match, octet by octet.
QByteArray reference(const QByteArray &in, bool stuff, qsizetype *longestLine, bool *eightBit)
{
    QByteArray out;
    qsizetype lineLen = 0, longest = 0;
    bool high = false, atLineStart = true;
    for (qsizetype i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c == '\r' || c == '\n') {
            if (c == '\r' && i + 1 < in.size() && in[i + 1] == '\n')
                ++i;
            out += "\r\n";
            longest = std::max(longest, lineLen);
            lineLen = 0;
            atLineStart = true;
            continue;
        }
        if (stuff && atLineStart && c == '.')
            out += '.';
        high = high || static_cast<unsigned char>(c) >= 0x80;
        out += c;
        ++lineLen;
        atLineStart = false;
    }
    if (!atLineStart || out.isEmpty()) {
        longest = std::max(longest, lineLen);
        out += "\r\n";
    }
    *longestLine = longest;
    *eightBit = high;
    return stuff ? out + ".\r\n" : out;
}
} // namespace

class TestDataEncoding : public QObject
{
    Q_OBJECT
private slots:
    void encode_data()
    {
        QTest::addColumn<QByteArray>("in");
        QTest::addColumn<QByteArray>("data");
        QTest::addColumn<QByteArray>("bdat");
        QTest::addColumn<qsizetype>("longest");
        QTest::addColumn<bool>("eightBit");
        QTest::newRow("empty") << QByteArray() << QByteArray("\r\n.\r\n") << QByteArray("\r\n")
                               << qsizetype(0) << false;
        QTest::newRow("crlf") << QByteArray("a\r\nbc\r\n") << QByteArray("a\r\nbc\r\n.\r\n")
                              << QByteArray("a\r\nbc\r\n") << qsizetype(2) << false;
        QTest::newRow("no final newline")
            << QByteArray("ab\r\ncde") << QByteArray("ab\r\ncde\r\n.\r\n")
            << QByteArray("ab\r\ncde\r\n") << qsizetype(3) << false;
        QTest::newRow("bare lf") << QByteArray("a\nb\n") << QByteArray("a\r\nb\r\n.\r\n")
                                 << QByteArray("a\r\nb\r\n") << qsizetype(1) << false;
        QTest::newRow("bare cr") << QByteArray("a\rbb\r") << QByteArray("a\r\nbb\r\n.\r\n")
                                 << QByteArray("a\r\nbb\r\n") << qsizetype(2) << false;
        QTest::newRow("cr cr lf") << QByteArray("x\r\r\ny") << QByteArray("x\r\n\r\ny\r\n.\r\n")
                                  << QByteArray("x\r\n\r\ny\r\n") << qsizetype(1) << false;
        QTest::newRow("lf cr") << QByteArray("x\n\ry") << QByteArray("x\r\n\r\ny\r\n.\r\n")
                               << QByteArray("x\r\n\r\ny\r\n") << qsizetype(1) << false;
        QTest::newRow("dots") << QByteArray(".a\r\n..\r\nb.\r\n.")
                              << QByteArray("..a\r\n...\r\nb.\r\n..\r\n.\r\n")
                              << QByteArray(".a\r\n..\r\nb.\r\n.\r\n") << qsizetype(2) << false;
        QTest::newRow("dot after bare cr") << QByteArray("a\r.b") << QByteArray("a\r\n..b\r\n.\r\n")
                                           << QByteArray("a\r\n.b\r\n") << qsizetype(2) << false;
        QTest::newRow("lone dot line")
            << QByteArray("a\r\n.\r\nb") << QByteArray("a\r\n..\r\nb\r\n.\r\n")
            << QByteArray("a\r\n.\r\nb\r\n") << qsizetype(1) << false;
        QTest::newRow("8-bit") << QByteArray("caf\xc3\xa9\r\n")
                               << QByteArray("caf\xc3\xa9\r\n.\r\n")
                               << QByteArray("caf\xc3\xa9\r\n") << qsizetype(5) << true;
        QTest::newRow("8-bit at the end of a long text")
            << QByteArray(70, 'a') + '\xff' << QByteArray(70, 'a') + "\xff\r\n.\r\n"
            << QByteArray(70, 'a') + "\xff\r\n"
            << qsizetype(71) << true;
        QTest::newRow("only newlines") << QByteArray("\n\n") << QByteArray("\r\n\r\n.\r\n")
                                       << QByteArray("\r\n\r\n") << qsizetype(0) << false;
    }
    void encode()
    {
        QFETCH(QByteArray, in);
        QFETCH(QByteArray, data);
        QFETCH(QByteArray, bdat);
        QFETCH(qsizetype, longest);
        QFETCH(bool, eightBit);
        qsizetype l = -1;
        bool e = !eightBit;
        QCOMPARE(encodeDataForSmtp(in, &l, &e), data);
        QCOMPARE(l, longest);
        QCOMPARE(e, eightBit);
        l = -1;
        e = !eightBit;
        QCOMPARE(normalizeForBdat(in, &l, &e), bdat);
        QCOMPARE(l, longest);
        QCOMPARE(e, eightBit);
    }
    // normalizeForWire() is what the session writes: the DATA form without the end marker
    // (written separately, so the message is not copied to append it) and the BDAT form.
    void normalizeForWire_data() { encode_data(); }
    void normalizeForWire()
    {
        QFETCH(QByteArray, in);
        QFETCH(QByteArray, data);
        QFETCH(QByteArray, bdat);
        QFETCH(qsizetype, longest);
        QFETCH(bool, eightBit);
        qsizetype l = -1;
        bool e = !eightBit;
        QCOMPARE(outpost::normalizeForWire(in, WireForm::Data, &l, &e), data.chopped(3));
        QCOMPARE(l, longest);
        QCOMPARE(e, eightBit);
        QCOMPARE(outpost::normalizeForWire(in, WireForm::Bdat, nullptr, nullptr), bdat);
    }
    void unchangedMessageIsShared()
    {
        const auto shares = [](const QByteArray &a, const QByteArray &b) {
            return static_cast<const void *>(a.constData()) ==
                   static_cast<const void *>(b.constData());
        };
        const QByteArray in = QByteArrayLiteral("Subject: x\r\n\r\nbody\r\n");
        QVERIFY(shares(outpost::normalizeForWire(in, WireForm::Data, nullptr, nullptr), in));
        QVERIFY(shares(outpost::normalizeForWire(in, WireForm::Bdat, nullptr, nullptr), in));
        // A leading dot needs stuffing for DATA only.
        const QByteArray dot = QByteArrayLiteral(".x\r\n");
        QVERIFY(!shares(outpost::normalizeForWire(dot, WireForm::Data, nullptr, nullptr), dot));
        QVERIFY(shares(outpost::normalizeForWire(dot, WireForm::Bdat, nullptr, nullptr), dot));
    }
    void printable_data()
    {
        QTest::addColumn<QByteArray>("wire");
        QTest::addColumn<QString>("shown");
        QTest::newRow("ascii") << QByteArray("MAIL FROM:<a@b>")
                               << QStringLiteral("MAIL FROM:<a@b>");
        QTest::newRow("controls") << QByteArray("a\r\n\x1b[2J")
                                  << QStringLiteral("a\\x0d\\x0a\\x1b[2J");
        // An SMTPUTF8 address reads as typed (it used to print as \xc3\xa9 escapes).
        QTest::newRow("utf-8 address") << QByteArray("RCPT TO:<j\xc3\xb6rg@b\xc3\xbc"
                                                     "cher.example>")
                                       << QStringLiteral("RCPT TO:<j\u00f6rg@b\u00fccher.example>");
        QTest::newRow("4-octet") << QByteArray("\xf0\x9f\x93\xa7") << QStringLiteral("\U0001F4E7");
        QTest::newRow("bidi override") << QByteArray("a\xe2\x80\xae"
                                                     "b")
                                       << QStringLiteral("a\\xe2\\x80\\xaeb");
        QTest::newRow("C1 control") << QByteArray("\xc2\x85") << QStringLiteral("\\xc2\\x85");
        QTest::newRow("malformed") << QByteArray("\xff\xc3(") << QStringLiteral("\\xff\\xc3(");
        QTest::newRow("overlong") << QByteArray("\xc0\xaf") << QStringLiteral("\\xc0\\xaf");
        QTest::newRow("cut off") << QByteArray("x\xe2\x80") << QStringLiteral("x\\xe2\\x80");
        QTest::newRow("surrogate")
            << QByteArray("\xed\xa0\x80") << QStringLiteral("\\xed\\xa0\\x80");
    }
    void printable()
    {
        QFETCH(QByteArray, wire);
        QFETCH(QString, shown);
        QCOMPARE(printableWire(wire), shown);
    }
    void matchesReference()
    {
        QRandomGenerator rng(20261129);
        const char alphabet[] = {'\r', '\n', '.', 'a', 'b', ' ', '\x80', '\xff'};
        for (int round = 0; round < 20000; ++round) {
            const int n = int(rng.bounded(0, round < 10000 ? 12 : 200));
            QByteArray in;
            for (int i = 0; i < n; ++i) {
                // Mostly text, so long runs and long lines occur too.
                in += rng.bounded(4) ? char('a' + rng.bounded(26))
                                     : alphabet[rng.bounded(int(sizeof alphabet))];
            }
            for (const bool stuff : {true, false}) {
                qsizetype refLongest = 0, longest = -1;
                bool refHigh = false, high = false;
                const QByteArray want = reference(in, stuff, &refLongest, &refHigh);
                const QByteArray got = stuff ? encodeDataForSmtp(in, &longest, &high)
                                             : normalizeForBdat(in, &longest, &high);
                if (got != want || longest != refLongest || high != refHigh)
                    QFAIL(qPrintable(QStringLiteral("input %1 (stuff %2): got %3 / %4 / %5")
                                         .arg(QString::fromLatin1(in.toHex()))
                                         .arg(stuff)
                                         .arg(QString::fromLatin1(got.toHex()))
                                         .arg(longest)
                                         .arg(high)));
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestDataEncoding)
#include "tst_dataencoding.moc"
