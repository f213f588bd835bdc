#include "HeaderInfo.h"

#include "GMimeSupport.h"

#include "GMimeInclude.h"

namespace outpost::mime {

QString decodedSubject(const QByteArray &message)
{
    detail::ensureGMime();
    qsizetype end = message.indexOf("\r\n\r\n");
    const QByteArray header = end < 0 ? message : message.left(end + 4);
    GMimeStream *stream =
        g_mime_stream_mem_new_with_buffer(header.constData(), size_t(header.size()));
    GMimeParser *parser = g_mime_parser_new_with_stream(stream);
    GMimeMessage *msg = g_mime_parser_construct_message(parser, nullptr);
    QString subject;
    if (msg) {
        if (const char *s = g_mime_message_get_subject(msg))
            subject = QString::fromUtf8(s);
        g_object_unref(msg);
    }
    g_object_unref(parser);
    g_object_unref(stream);
    return subject;
}

} // namespace outpost::mime
