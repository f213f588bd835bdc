#pragma once

#include <QLocale>
#include <QStringList>

class QCoreApplication;

namespace outpost::ui {

/// Installs the translations for `locale` on the application: Qt's own (qtbase_<lang>.qm from
/// QLibraryInfo::TranslationsPath, for the standard dialogs and buttons) and Outpost's
/// (outpost_<lang>.qm compiled into the resources under :/i18n). A language without a
/// file is simply left in English. English plural forms (outpost_en.qm: "1 message",
/// "2 messages") are installed for every language, under the language's own file. Returns the files
/// that were loaded (for tests and the log). Call once, after the QApplication exists.
QStringList installTranslations(QCoreApplication *app, const QLocale &locale = QLocale());

} // namespace outpost::ui
