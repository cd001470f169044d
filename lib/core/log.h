/*
 * log.h - one logging interface for every program.
 *
 * Under Apache, a CGI's stderr goes to the server's error log; from a
 * terminal it goes to the terminal.  Lines are "indiechat[prog]: LEVEL:
 * message", one per call, with control characters replaced, so a hostile
 * value cannot forge log lines.  Never log a secret.
 */
#ifndef IC_LOG_H
#define IC_LOG_H

enum ic_log_level { IC_LOG_ERROR, IC_LOG_WARN, IC_LOG_INFO, IC_LOG_DEBUG };

/** Name the program in every line (a static string, e.g. "feed"). */
void ic_log_init(const char *program);

/** Lines above @p level are dropped (default IC_LOG_INFO). */
void ic_log_set_level(enum ic_log_level level);

/**
 * Send stderr to data_dir/indiechat.log (appending, mode 0600): detached
 * work has its stderr on /dev/null, and its messages matter most.  A log
 * past IC_LOG_MAX_BYTES becomes indiechat.log.1 (one generation kept).
 * Does nothing when the file cannot be opened.
 */
void ic_log_to_data_dir(const char *data_dir);

/** Write one line to stderr. */
void ic_log(enum ic_log_level level, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

#endif /* IC_LOG_H */
