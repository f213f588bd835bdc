#pragma once
// Where a command reads and writes: standard input, results on standard output, messages on
// standard error. Nothing a server or a message says reaches a terminal with its control
// characters (printable(), terminalSafeJson()).

#include <QByteArray>
#include <QString>
#include <QtGlobal>

namespace outpost::cli {

/// `s` safe to print on a terminal: control characters other than newline and tab (C0, DEL,
/// C1) and bidirectional controls become U+FFFD, so a server's reply, a message's subject or
/// a host name cannot carry terminal escape sequences (retitling the window, hiding text) or
/// reorder what is shown. Every text line the command line prints goes through here.
QString printable(QString s);

/// JSON (UTF-8 from QJsonDocument, which escapes C0 already) with C1 and bidirectional
/// controls written as \uXXXX escapes: the same value for a program, harmless on a terminal.
QByteArray terminalSafeJson(QByteArray json);

/// A command's standard input, output and error. The process's own is StdConsole; tests
/// use BufferConsole and read what a command wrote.
class Console
{
public:
    /// The two output streams.
    enum class Stream
    {
        Out,
        Err,
    };
    virtual ~Console() = default;

    /// Writes `bytes` as they are (buffered; see flush()).
    virtual void write(Stream stream, const QByteArray &bytes) = 0;
    /// Hands what was written to the streams now.
    virtual void flush() {}
    /// All of standard input; false when it cannot be read.
    virtual bool readInput(QByteArray *input) = 0;
    /// Asks for large output buffers before many writes (list prints 100,000 lines).
    virtual void bufferLargeOutput() {}
    /// True when `stream` goes to a terminal, where someone watches: only there is a live
    /// status line worth writing (a pipe or a file would keep every redraw).
    virtual bool isTerminal(Stream stream) const
    {
        Q_UNUSED(stream);
        return false;
    }
    /// The width of the terminal on `stream` in columns; 0 when unknown.
    virtual int columns(Stream stream) const
    {
        Q_UNUSED(stream);
        return 0;
    }

    /// Text on standard output, printable(), written at once.
    void out(const QString &text);
    /// Bytes on standard output as they are (terminal-safe JSON), written at once.
    void outBytes(const QByteArray &bytes);
    /// One message on standard error: "outpost: " + printable(text) + newline, at once.
    void err(const QString &text);
    /// A line on standard error without the "outpost: " prefix (a protocol log line).
    void errLine(const QString &text);

    /// Shows `text` (printable()) as the status line on standard error, in place of the one
    /// shown: carriage return, the text, clear to the end of the line, no newline. Cut to the
    /// terminal's width, since a line that wraps cannot be redrawn in place. For a terminal
    /// only: callers check isTerminal(Stream::Err) first.
    void status(const QString &text);
    /// Erases the status line, when one is shown. Every other write does this first, so that
    /// text never lands after a status line.
    void clearStatus();
    /// True while a status line is shown (nothing was written after it).
    bool statusShown() const { return m_statusShown; }

private:
    bool m_statusShown = false;
};

/// The process's standard input, output and error (stdin, stdout, stderr).
class StdConsole : public Console
{
public:
    /// Writes through stdio.
    void write(Stream stream, const QByteArray &bytes) override;
    /// fflush() of stdout and stderr.
    void flush() override;
    /// Reads stdin to its end.
    bool readInput(QByteArray *input) override;
    /// A 64 KiB stdout buffer: one write(2) per 64 KiB instead of per 4 KiB or per line.
    void bufferLargeOutput() override;
    /// isatty() of stdout or stderr. Always false on Windows, whose console understands the
    /// escape that clears a line only in a mode Outpost does not switch on.
    bool isTerminal(Stream stream) const override;
    /// The terminal's width (TIOCGWINSZ); 0 when unknown.
    int columns(Stream stream) const override;
};

/// A console in memory (tests): `input` is what standard input holds, `output` and `errors`
/// collect what is written.
class BufferConsole : public Console
{
public:
    /// Appends to output or errors.
    void write(Stream stream, const QByteArray &bytes) override;
    /// Gives `input` (false when unreadable is set).
    bool readInput(QByteArray *into) override;
    /// outTerminal or errTerminal: a test pretends to be a terminal.
    bool isTerminal(Stream stream) const override
    {
        return stream == Stream::Out ? outTerminal : errTerminal;
    }
    /// width: a test pretends a terminal of that size.
    int columns(Stream) const override { return width; }

    QByteArray input;         ///< standard input
    bool unreadable = false;  ///< standard input cannot be read
    QByteArray output;        ///< what was written to standard output
    QByteArray errors;        ///< what was written to standard error
    bool outTerminal = false; ///< standard output counts as a terminal
    bool errTerminal = false; ///< standard error counts as a terminal
    int width = 0;            ///< the pretended terminal's columns; 0: unknown
};

} // namespace outpost::cli
