// Fuzz target: importMessage() and normalizeCrlf() on arbitrary bytes. Checks that an
// accepted message has CRLF line ends only, no Bcc field and a non-empty envelope.

#include "mime/MessageImport.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace outpost::mime;
    const QByteArray raw(reinterpret_cast<const char *>(data), qsizetype(size));
    const QByteArray norm = normalizeCrlf(raw);
    for (qsizetype i = 0; i < norm.size(); ++i) {
        if (norm.at(i) == '\r' && (i + 1 >= norm.size() || norm.at(i + 1) != '\n'))
            abort();
        if (norm.at(i) == '\n' && (i == 0 || norm.at(i - 1) != '\r'))
            abort();
    }
    ImportOptions options;
    options.gen.now = [] {
        return QDateTime::fromSecsSinceEpoch(0, Qt::UTC);
    };
    options.gen.messageId = [](const QByteArray &domain) {
        return "fuzz@" + domain;
    };
    const ComposedMessage m = importMessage(raw, options);
    if (m.ok()) {
        if (m.envelope.recipients.isEmpty() || m.data.isEmpty())
            abort();
        const qsizetype end = m.data.indexOf("\r\n\r\n");
        const QByteArray head = ("\r\n" + (end < 0 ? m.data : m.data.left(end + 2))).toLower();
        if (head.contains("\r\nbcc:") || head.contains("\r\nresent-bcc:"))
            abort();
        if (normalizeCrlf(m.data) != m.data)
            abort();
    } else if (!m.data.isEmpty()) {
        abort();
    }
    return 0;
}
