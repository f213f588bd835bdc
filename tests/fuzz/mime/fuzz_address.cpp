// Fuzz target: parseAddressList(), addressProblem(), envelopeAddress() and a composed
// message around the parsed mailboxes. Checks that nothing accepted can carry CR, LF or
// angle brackets into an SMTP command or break out of a header field.

#include "mime/Address.h"
#include "mime/MessageComposer.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace outpost::mime;
    const QString text = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    const AddressListResult list = parseAddressList(text);
    if (!list.ok() && !list.mailboxes.isEmpty())
        abort();
    for (const Mailbox &m : list.mailboxes) {
        if (!addressProblem(m.address).isEmpty())
            abort();
        for (bool utf8 : {false, true}) {
            const QByteArray wire = envelopeAddress(m.address, utf8);
            if (wire.isEmpty() || wire.contains('\r') || wire.contains('\n') ||
                wire.contains('<') || wire.contains('>') || wire.contains('\0'))
                abort();
        }
        if (needsSmtpUtf8(m.address) == false) {
            for (char c : envelopeAddress(m.address, false))
                if (uchar(c) >= 0x80)
                    abort();
        }
    }
    // the raw text as one address, too
    if (addressProblem(text).isEmpty()) {
        const QByteArray wire = envelopeAddress(text, false);
        if (wire.isEmpty() || wire.contains('\r') || wire.contains('\n'))
            abort();
    }
    if (list.ok() && !list.mailboxes.isEmpty() && list.mailboxes.size() < 20) {
        Draft d;
        d.from = Mailbox{QStringLiteral("Fuzz"), QStringLiteral("fuzz@example.org")};
        d.to = list.mailboxes;
        d.subject = text.left(200);
        ComposeGenerators gen;
        gen.now = [] {
            return QDateTime::fromSecsSinceEpoch(0, Qt::UTC);
        };
        gen.messageId = [](const QByteArray &domain) {
            return "fuzz@" + domain;
        };
        gen.boundary = [] {
            return QByteArrayLiteral("b");
        };
        const ComposedMessage m = composeMessage(d, gen);
        if (!m.ok())
            abort();
        const qsizetype headerEnd = m.data.indexOf("\r\n\r\n");
        const QByteArray head = m.data.left(headerEnd + 2);
        // every header line is a field or a continuation; no bare CR or LF
        for (const QByteArray &line : head.split('\n')) {
            if (line.isEmpty())
                continue;
            if (!line.endsWith('\r') || line.chopped(1).contains('\r'))
                abort();
            if (line.startsWith(' ') || line.startsWith('\t'))
                continue;
            const qsizetype colon = line.indexOf(':');
            if (colon <= 0)
                abort();
            static const QList<QByteArray> allowed = {
                "Date",       "From",         "To",           "Subject",
                "Message-ID", "MIME-Version", "Content-Type", "Content-Transfer-Encoding"};
            if (!allowed.contains(line.left(colon)))
                abort();
        }
    }
    return 0;
}
