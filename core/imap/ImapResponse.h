#pragma once
// What an IMAP server says, as values (RFC 9051 §7, RFC 3501 §7): one ImapResponse per
// tagged, untagged or continuation response, its data as ImapValue trees.

#include <QByteArray>
#include <QList>
#include <QString>

namespace outpost {

/// One item of response data (RFC 9051 §4): an atom (numbers and flags such as \Sent are
/// atoms too), NIL, a string (quoted or literal: its octets after unquoting) or a
/// parenthesized list.
struct ImapValue
{
    enum class Type
    {
        Atom,
        Nil,
        String,
        List,
    };
    Type type = Type::Atom;
    QByteArray bytes;      ///< the atom's or the string's octets (empty for Nil and List)
    QList<ImapValue> list; ///< the members of a List

    /// Whether the value is of that type.
    bool isAtom() const { return type == Type::Atom; }
    bool isNil() const { return type == Type::Nil; }
    bool isString() const { return type == Type::String; }
    bool isList() const { return type == Type::List; }
    /// True for an atom or a string: what the grammar calls an astring (RFC 9051 §9).
    bool isAString() const { return type == Type::Atom || type == Type::String; }
    /// The atom as an unsigned 32-bit number (nz-number / number, RFC 9051 §9), or `ok` false.
    quint32 toNumber(bool *ok) const;
    /// The value as the server wrote it (lists in parentheses, strings quoted), for tests and
    /// logs; literals appear as quoted strings.
    QByteArray toWire() const;
};

/// The status of a status response (RFC 9051 §7.1).
enum class ImapStatus
{
    None,    ///< not a status response (data or continuation)
    Ok,      ///< OK: success (tagged) or information (untagged)
    No,      ///< NO: the command failed
    Bad,     ///< BAD: the command was not understood or a protocol error happened
    Bye,     ///< BYE: the server is closing the connection (untagged only)
    Preauth, ///< PREAUTH: the connection starts authenticated (greeting only)
};

/// The name of `s` as on the wire ("OK", "NO", …; "" for None).
QByteArray imapStatusName(ImapStatus s);

/// One complete server response (RFC 9051 §2.2.2, §7).
struct ImapResponse
{
    enum class Kind
    {
        Tagged,       ///< "A1 OK …": completes the command tagged A1
        Untagged,     ///< "* …": data or status not tied to one command
        Continuation, ///< "+ …": the server waits for the rest of a command
    };
    Kind kind = Kind::Untagged;
    QByteArray tag; ///< the command's tag (Tagged only)
    ImapStatus status = ImapStatus::None;
    QByteArray code;     ///< response code atom, upper-case ("APPENDUID", "OVERQUOTA"), or empty
    QByteArray codeData; ///< what follows the code atom inside the brackets, as sent
    QByteArray text;     ///< human-readable text after the code; a continuation's whole text
    qint64 number = -1;  ///< the number of "* 5 EXISTS" / "* 3 FETCH …", else -1
    QByteArray name;     ///< the data's name, upper-case ("CAPABILITY", "LIST", "SEARCH", "EXISTS")
    QList<ImapValue> values; ///< the data after the name

    /// Whether the response is of that kind.
    bool isTagged() const { return kind == Kind::Tagged; }
    bool isUntagged() const { return kind == Kind::Untagged; }
    bool isContinuation() const { return kind == Kind::Continuation; }
    /// The code's arguments split at spaces ("38505", "3955" for [APPENDUID 38505 3955]).
    QList<QByteArray> codeArguments() const;
    /// The response as one printable line for the protocol log (literals shown inline).
    QByteArray toLogLine() const;
};

} // namespace outpost
