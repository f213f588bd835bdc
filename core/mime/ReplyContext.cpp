#include "ReplyContext.h"

#include "GMimeSupport.h"

#include <QRegularExpression>

#include "GMimeInclude.h"

namespace outpost::mime {

using detail::GRef;

namespace {

/// A plausible msg-id without <> (RFC 5322 §3.6.4 id-left "@" id-right), else "".
QByteArray cleanId(QByteArray id)
{
    id = id.trimmed();
    if (id.startsWith('<') && id.endsWith('>'))
        id = id.mid(1, id.size() - 2);
    const qsizetype at = id.indexOf('@');
    if (id.isEmpty() || at <= 0 || at == id.size() - 1 || id.size() > 250)
        return {};
    for (char c : std::as_const(id))
        if (uchar(c) <= 0x20 || uchar(c) >= 0x7f || c == '<' || c == '>' || c == '"' || c == '(' ||
            c == ')' || c == ',' || c == ';' || c == '\\')
            return {};
    return id;
}

/// The msg-ids of a header value (References, In-Reply-To), parsed by GMime.
QList<QByteArray> idsOf(GMimeObject *obj, const char *field)
{
    QList<QByteArray> out;
    const char *value = g_mime_object_get_header(obj, field);
    if (!value)
        return out;
    GMimeReferences *refs = g_mime_references_parse(nullptr, value);
    if (!refs)
        return out;
    for (int i = 0; i < g_mime_references_length(refs); ++i)
        out << QByteArray(g_mime_references_get_message_id(refs, i));
    g_mime_references_free(refs);
    return out;
}

QList<Mailbox> mailboxesOf(InternetAddressList *list)
{
    QList<Mailbox> out;
    if (!list)
        return out;
    for (int i = 0; i < internet_address_list_length(list); ++i) {
        InternetAddress *ia = internet_address_list_get_address(list, i);
        if (INTERNET_ADDRESS_IS_GROUP(ia)) {
            out << mailboxesOf(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)));
            continue;
        }
        if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
            continue;
        const char *addr = internet_address_mailbox_get_idn_addr(INTERNET_ADDRESS_MAILBOX(ia));
        const char *name = internet_address_get_name(ia);
        if (!addr || !*addr)
            continue;
        out << Mailbox{name ? QString::fromUtf8(name).simplified() : QString(),
                       QString::fromUtf8(addr)};
    }
    return out;
}

} // namespace

QString replySubject(const QString &subject)
{
    static const QRegularExpression prefix(QStringLiteral("^\\s*(re(\\s*\\[\\d+\\])?\\s*:\\s*)+"),
                                           QRegularExpression::CaseInsensitiveOption);
    QString rest = subject;
    rest.remove(prefix);
    return QStringLiteral("Re: ") + rest.trimmed();
}

QList<QByteArray> replyReferences(const QList<QByteArray> &parentReferences,
                                  const QList<QByteArray> &parentInReplyTo,
                                  const QByteArray &parentMessageId)
{
    QList<QByteArray> chain = parentReferences;
    if (chain.isEmpty() && parentInReplyTo.size() == 1)
        chain = parentInReplyTo;
    chain << parentMessageId;
    QList<QByteArray> out;
    for (const QByteArray &raw : std::as_const(chain)) {
        const QByteArray id = cleanId(raw);
        if (!id.isEmpty() && !out.contains(id))
            out << id;
    }
    if (out.size() > kMaxReferences)
        out = QList<QByteArray>{out.first()} + out.mid(out.size() - (kMaxReferences - 1));
    return out;
}

ReplyContext replyContext(const QByteArray &parent)
{
    detail::ensureGMime();
    ReplyContext r;
    if (parent.trimmed().isEmpty()) {
        r.error = QStringLiteral("the message is empty");
        return r;
    }
    GRef<GMimeStream> stream(
        g_mime_stream_mem_new_with_buffer(parent.constData(), size_t(parent.size())));
    GRef<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
    GRef<GMimeMessage> msg(g_mime_parser_construct_message(parser.get(), nullptr));
    if (!msg) {
        r.error = QStringLiteral("not an RFC 5322 message (no header)");
        return r;
    }
    r.to = mailboxesOf(g_mime_message_get_reply_to(msg.get()));
    if (r.to.isEmpty())
        r.to = mailboxesOf(g_mime_message_get_from(msg.get()));
    if (r.to.isEmpty())
        r.to = mailboxesOf(g_mime_message_get_sender(msg.get()));
    if (r.to.isEmpty()) {
        r.error = QStringLiteral("the message has no Reply-To, From or Sender address");
        return r;
    }
    const char *subject = g_mime_message_get_subject(msg.get());
    r.subject = replySubject(subject ? QString::fromUtf8(subject) : QString());
    const QByteArray id = cleanId(g_mime_message_get_message_id(msg.get()));
    if (!id.isEmpty()) {
        r.inReplyTo = id;
        r.references = replyReferences(idsOf(GMIME_OBJECT(msg.get()), "References"),
                                       idsOf(GMIME_OBJECT(msg.get()), "In-Reply-To"), id);
    }
    return r;
}

} // namespace outpost::mime
