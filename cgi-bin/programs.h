/*
 * programs.h - the five programs' tables (route table, terminal
 * commands), each defined in its cgi-bin/<name>.c next to its main().
 *
 * Declared here so a test can read every route table at once
 * (tests/unit/test_programs.c builds the five files with
 * -DIC_PROGRAM_NO_MAIN); the programs themselves use only their own.
 */
#ifndef IC_PROGRAMS_H
#define IC_PROGRAMS_H

#include "cgi/program.h"

extern const struct ic_program ic_program_auth;
extern const struct ic_program ic_program_feed;
extern const struct ic_program ic_program_listener;
extern const struct ic_program ic_program_send;
extern const struct ic_program ic_program_ticket;

#endif /* IC_PROGRAMS_H */
