#include "MessageParse.h"

#include "GMimeInclude.h"
#include "GMimeSupport.h"

#include <QSet>

namespace outpost::mime {

namespace {

using detail::GRef;

QString fromUtf8(const char *s)
{
    return s ? QString::fromUtf8(s) : QString();
}

void appendMailboxes(InternetAddressList *list, QList<Mailbox> *out)
{
    if (!list)
        return;
    const int n = internet_address_list_length(list);
    for (int i = 0; i < n; ++i) {
        InternetAddress *a = internet_address_list_get_address(list, i);
        if (INTERNET_ADDRESS_IS_GROUP(a)) {
            appendMailboxes(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)), out);
        } else if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
            Mailbox m;
            m.name = fromUtf8(internet_address_get_name(a));
            m.address = fromUtf8(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a)));
            if (!m.address.isEmpty())
                out->append(m);
        }
    }
}

/// The decoded content of a leaf part (transfer encoding undone).
QByteArray partContent(GMimePart *part)
{
    GMimeDataWrapper *content = g_mime_part_get_content(part);
    if (!content)
        return {};
    GRef<GMimeStream> stream(g_mime_stream_mem_new());
    g_mime_data_wrapper_write_to_stream(content, stream.get());
    GByteArray *bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream.get()));
    return QByteArray(reinterpret_cast<const char *>(bytes->data), qsizetype(bytes->len));
}

QString textOf(GMimePart *part)
{
    if (!GMIME_IS_TEXT_PART(part))
        return QString::fromUtf8(partContent(part));
    char *text = g_mime_text_part_get_text(GMIME_TEXT_PART(part)); // converted to UTF-8
    QString s = fromUtf8(text);
    g_free(text);
    s.replace(QLatin1String("\r\n"), QLatin1String("\n"));
    s.replace(QLatin1Char('\r'), QLatin1Char('\n'));
    return s;
}

struct Walk
{
    Draft *draft;
    bool haveText = false;
    bool haveHtml = false;
};

void visit(GMimeObject *, GMimeObject *object, gpointer data)
{
    auto *w = static_cast<Walk *>(data);
    if (!GMIME_IS_PART(object))
        return; // multiparts are walked into; message/rfc822 parts are not expected here
    GMimePart *part = GMIME_PART(object);
    GMimeContentType *type = g_mime_object_get_content_type(object);
    const bool attachment =
        g_mime_part_is_attachment(part) || g_mime_part_get_filename(part) != nullptr;
    if (!attachment && g_mime_content_type_is_type(type, "text", "plain") && !w->haveText) {
        w->draft->textBody = textOf(part);
        w->haveText = true;
        return;
    }
    if (!attachment && g_mime_content_type_is_type(type, "text", "html") && !w->haveHtml) {
        w->draft->htmlBody = textOf(part);
        w->haveHtml = true;
        return;
    }
    Attachment a;
    a.fileName = fromUtf8(g_mime_part_get_filename(part));
    if (a.fileName.isEmpty())
        a.fileName = QStringLiteral("attachment");
    char *mimeType = g_mime_content_type_get_mime_type(type);
    a.mimeType = fromUtf8(mimeType).toLower();
    g_free(mimeType);
    a.content = partContent(part);
    w->draft->attachments << a;
}

QByteArray headerValue(GMimeObject *object, const char *name)
{
    const char *v = g_mime_object_get_header(object, name);
    return v ? QByteArray(v).trimmed() : QByteArray();
}

} // namespace

ParsedDraft parseDraft(const QByteArray &message, const QList<QByteArray> &envelopeRecipients)
{
    ParsedDraft out;
    if (message.isEmpty()) {
        out.error = QStringLiteral("the stored message is empty");
        return out;
    }
    detail::ensureGMime();
    GRef<GMimeStream> stream(
        g_mime_stream_mem_new_with_buffer(message.constData(), size_t(message.size())));
    GRef<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
    GRef<GMimeMessage> msg(g_mime_parser_construct_message(parser.get(), nullptr));
    if (!msg) {
        out.error = QStringLiteral("the stored message cannot be read");
        return out;
    }
    Draft &d = out.draft;
    QList<Mailbox> from;
    appendMailboxes(g_mime_message_get_from(msg.get()), &from);
    if (!from.isEmpty())
        d.from = from.first();
    appendMailboxes(g_mime_message_get_addresses(msg.get(), GMIME_ADDRESS_TYPE_TO), &d.to);
    appendMailboxes(g_mime_message_get_addresses(msg.get(), GMIME_ADDRESS_TYPE_CC), &d.cc);
    appendMailboxes(g_mime_message_get_addresses(msg.get(), GMIME_ADDRESS_TYPE_REPLY_TO),
                    &d.replyTo);
    d.subject = fromUtf8(g_mime_message_get_subject(msg.get()));
    GMimeObject *top = GMIME_OBJECT(msg.get());
    d.inReplyTo = headerValue(top, "In-Reply-To");
    for (const QByteArray &ref : headerValue(top, "References").simplified().split(' ')) {
        if (!ref.isEmpty())
            d.references << ref;
    }

    Walk w{&d};
    GMimeObject *body = g_mime_message_get_mime_part(msg.get());
    if (body && GMIME_IS_MULTIPART(body))
        g_mime_multipart_foreach(GMIME_MULTIPART(body), visit, &w);
    else if (body)
        visit(nullptr, body, &w);

    QSet<QString> visible;
    for (const auto &list : {d.to, d.cc}) {
        for (const Mailbox &m : list)
            visible.insert(m.address.toLower());
    }
    for (const QByteArray &r : envelopeRecipients) {
        const QString a = QString::fromUtf8(r);
        if (!visible.contains(a.toLower())) {
            d.bcc << Mailbox{{}, a};
            visible.insert(a.toLower());
        }
    }
    return out;
}

} // namespace outpost::mime
