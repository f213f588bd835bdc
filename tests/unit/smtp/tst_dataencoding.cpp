// encodeDataForSmtp() and normalizeForBdat() (RFC 5321 §4.5.2, RFC 3030): exact output bytes,
// longest line and 8-bit flag, for hand-written rows and, against a plain octet-by-octet
// reference, for random inputs made of the octets that matter (CR, LF, '.', 8-bit, text). The
// streaming WireEncoder gives the same octets wherever the message is split into pieces.
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
/// `in` through a WireEncoder in the pieces that start at `cuts` (ascending offsets), with an
/// empty piece before each; *shape receives the encoder's shape.
QByteArray streamed(const QByteArray &in, WireForm form, const QList<qsizetype> &cuts,
                    WireShape *shape)
{
    WireEncoder e(form);
    QByteArray out;
    qsizetype from = 0;
    for (const qsizetype cut : cuts + QList<qsizetype>{in.size()}) {
        e.encode(in.constData() + from, 0, &out);
        e.encode(in.constData() + from, cut - from, &out);
        from = cut;
    }
    e.finish(&out);
    *shape = e.shape();
    return out;
}

/// Checks the streamed form of `in` split at `cuts` against the reference, for both forms.
QString checkStreamed(const QByteArray &in, const QList<qsizetype> &cuts)
{
    for (const WireForm form : {WireForm::Data, WireForm::Bdat}) {
        const bool stuff = form == WireForm::Data;
        qsizetype longest = 0;
        bool high = false;
        QByteArray want = reference(in, stuff, &longest, &high);
        if (stuff)
            want.chop(3); // the end marker is the transaction's
        WireShape shape;
        const QByteArray got = streamed(in, form, cuts, &shape);
        if (got != want || shape.wireOctets(form) != want.size() || shape.longestLine != longest ||
            shape.eightBit != high || shape.octets != in.size()) {
            QStringList at;
            for (qsizetype c : cuts)
                at << QString::number(c);
            return QStringLiteral("input %1 cut at %2 (stuff %3): got %4, %5 octets, longest %6")
                .arg(QString::fromLatin1(in.toHex()), at.join(QLatin1Char(',')))
                .arg(stuff)
                .arg(QString::fromLatin1(got.toHex()))
                .arg(shape.wireOctets(form))
                .arg(shape.longestLine);
        }
    }
    return {};
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
    // The piece boundary falls at every offset, around every CR, LF and '.': the state carried
    // between pieces (a CR whose LF starts the next piece, a line start) gives the octets the
    // whole message gives, and the counts the shape says.
    void streamingSplitAtEveryOffset_data()
    {
        encode_data();
        const auto row = [](const char *tag, const QByteArray &in) {
            QTest::newRow(tag) << in << QByteArray() << QByteArray() << qsizetype(0) << false;
        };
        row("crlf dot crlf", QByteArray(".\r\n.\r\n..\r\n"));
        row("cr cr lf dot", QByteArray("a\r\r\n.\n.\r.b"));
        row("lone cr", QByteArray("\r"));
        row("lone lf", QByteArray("\n"));
        row("lone dot", QByteArray("."));
        row("cr then dot", QByteArray("x\r.y\r\n"));
        row("lf cr lf", QByteArray("\n\r\n\r"));
        row("8-bit around line ends", QByteArray("\xff\r\n\x80.\n\xc3\xa9\r"));
    }
    void streamingSplitAtEveryOffset()
    {
        QFETCH(QByteArray, in);
        for (qsizetype i = 0; i <= in.size(); ++i) {
            for (qsizetype j = i; j <= in.size(); ++j) {
                const QString problem = checkStreamed(in, {i, j});
                if (!problem.isEmpty())
                    QFAIL(qPrintable(problem));
            }
        }
        QList<qsizetype> everyOctet;
        for (qsizetype i = 1; i < in.size(); ++i)
            everyOctet << i;
        const QString problem = checkStreamed(in, everyOctet);
        if (!problem.isEmpty())
            QFAIL(qPrintable(problem));
    }
    // Random messages in random pieces against the reference.
    void streamingMatchesReference()
    {
        QRandomGenerator rng(20261206);
        const char alphabet[] = {'\r', '\n', '.', 'a', ' ', '\x80'};
        for (int round = 0; round < 5000; ++round) {
            const int n = int(rng.bounded(0, 300));
            QByteArray in;
            for (int i = 0; i < n; ++i)
                in += rng.bounded(3) ? char('a' + rng.bounded(26))
                                     : alphabet[rng.bounded(int(sizeof alphabet))];
            QList<qsizetype> cuts;
            for (qsizetype at = 0; at < in.size();) {
                at += rng.bounded(1, 40);
                if (at < in.size())
                    cuts << at;
            }
            const QString problem = checkStreamed(in, cuts);
            if (!problem.isEmpty())
                QFAIL(qPrintable(problem));
        }
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
