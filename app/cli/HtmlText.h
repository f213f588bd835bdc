#pragma once
// The plain-text part of a message written only in HTML (`queue --html-file` without --body):
// what a reader without HTML sees, made by QtGui's HTML reader (QTextDocument), which takes
// real-world HTML (unclosed tags, entities, CSS, tables), not a hand-made parser.

#include <QString>

namespace outpost::cli {

/// True when this build can derive text from HTML: QtGui is linked only when the UI is built
/// (OUTPOST_BUILD_UI); without it `queue --html-file` alone sends a single text/html part.
bool canDeriveTextFromHtml();

/// The text of `html` as a plain-text reader should see it: paragraphs and line breaks kept,
/// list items marked ("* ", "1. "), a link's target after its words ("words <https://…>")
/// unless the words are the target, images, scripts, styles and the title left out, no-break
/// spaces as spaces; ends with one line break. "" when canDeriveTextFromHtml() is false or the
/// HTML holds no text.
QString plainTextFromHtml(const QString &html);

} // namespace outpost::cli
