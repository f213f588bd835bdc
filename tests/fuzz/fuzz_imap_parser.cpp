// libFuzzer target for ImapResponseParser (RFC 9051 §7, §9). The input is raw server bytes.
// Each input is parsed whole, byte by byte and split in two (next() after every read), with
// the default limits and with small ones; all runs must agree, every response must respect
// the limits and the buffer must stay bounded. A violated property aborts (a crash for
// libFuzzer).
#include "imap/ImapResponseParser.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace outpost;

namespace {

void check(bool ok, const char *what)
{
    if (!ok) {
        std::fprintf(stderr, "fuzz_imap_parser: property violated: %s\n", what);
        std::abort();
    }
}

int depthOf(const ImapValue &v)
{
    int d = 0;
    for (const ImapValue &m : v.list)
        d = std::max(d, depthOf(m));
    return v.isList() ? d + 1 : d;
}

QByteArray describe(const ImapResponse &r)
{
    QByteArray out = QByteArray::number(int(r.kind)) + '|' + r.tag + '|' +
                     imapStatusName(r.status) + '|' + r.code + '|' + r.codeData + '|' + r.text +
                     '|' + QByteArray::number(r.number) + '|' + r.name;
    for (const ImapValue &v : r.values)
        out += '|' + v.toWire();
    return out;
}

QList<QByteArray> run(const QList<QByteArray> &chunks, ImapResponseParser::Limits limits)
{
    ImapResponseParser p(limits);
    QList<QByteArray> out;
    bool failed = false;
    for (const QByteArray &c : chunks) {
        p.feed(c);
        check(p.bufferedSize() <= limits.maxResponseSize + limits.maxLineLength,
              "buffer grew beyond the response and line limits");
        for (;;) {
            ImapResponse r;
            const auto st = p.next(&r);
            if (st == ImapResponseParser::Status::NeedMore)
                break;
            if (st == ImapResponseParser::Status::Error) {
                check(!p.errorString().isEmpty(), "error without errorString()");
                check(p.offendingBytes().size() <= 200, "offendingBytes() longer than 200");
                check(p.bufferedSize() == 0, "bytes kept after an error");
                if (!failed)
                    out << "!error";
                failed = true;
                break;
            }
            check(!failed, "a response after an error");
            if (r.isTagged())
                check(!r.tag.isEmpty() && r.tag.size() <= 64, "bad tag");
            if (r.isTagged())
                check(r.status == ImapStatus::Ok || r.status == ImapStatus::No ||
                          r.status == ImapStatus::Bad,
                      "tagged response without OK, NO or BAD");
            check(!r.text.contains('\n') && !r.text.contains('\r') && !r.text.contains('\0'),
                  "control character in text");
            for (const ImapValue &v : r.values) {
                check(depthOf(v) <= limits.maxDepth, "lists nested deeper than maxDepth");
                if (v.isString())
                    check(v.bytes.size() <=
                              std::max<qint64>(limits.maxLiteralSize, limits.maxLineLength),
                          "string longer than any limit");
            }
            out << describe(r);
        }
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    ImapResponseParser::Limits small;
    small.maxLineLength = 32;
    small.maxLiteralSize = 16;
    small.maxResponseSize = 96;
    small.maxDepth = 3;
    for (const ImapResponseParser::Limits &limits : {ImapResponseParser::Limits(), small}) {
        const QList<QByteArray> whole = run({input}, limits);
        QList<QByteArray> bytes;
        for (qsizetype i = 0; i < input.size(); ++i)
            bytes << input.mid(i, 1);
        check(run(bytes, limits) == whole, "byte-by-byte parse differs from the whole parse");
        const qsizetype half = input.size() / 2;
        check(run({input.left(half), input.mid(half)}, limits) == whole,
              "split parse differs from the whole parse");
    }
    return 0;
}
