/*
 * CResolv: glibc's stub resolver (libresolv) for Swift.
 *
 * resolv.h renames its functions with macros (res_ninit is __res_ninit, ...), which Swift does
 * not follow, and the name-server list of a res_state sits in arrays and a union that Swift
 * cannot assign into; ns_msg's accessors are macros too. The static inline helpers below reach
 * them. Nothing else lives here: what an answer or a failure means is decided in Swift, in the
 * CurlTransport target (Sources/CurlTransport/DNS).
 */
#ifndef CRESOLV_SHIM_H
#define CRESOLV_SHIM_H

#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <resolv.h>

/* The resolver context calls, under names Swift can see. */
static inline int cresolv_ninit(res_state state) {
    return res_ninit(state);
}
static inline void cresolv_nclose(res_state state) {
    res_nclose(state);
}
static inline int cresolv_nquery(res_state state, const char *name, int rr_class, int rr_type,
                                 unsigned char *answer, int answer_length) {
    return res_nquery(state, name, rr_class, rr_type, answer, answer_length);
}
static inline int cresolv_dn_expand(const unsigned char *message, const unsigned char *end,
                                    const unsigned char *source, char *name, int name_length) {
    return dn_expand(message, end, source, name, name_length);
}

/* Makes `address` the context's only name server (IPv4). */
static inline void cresolv_use_nameserver4(res_state state, const struct sockaddr_in *address) {
    state->nsaddr_list[0] = *address;
    state->nscount = 1;
}

/*
 * Makes `address` the context's only name server (IPv6). glibc keeps IPv6 servers in the
 * extension area (a malloc'ed sockaddr_in6 that res_nclose frees), marked by an unset family
 * in nsaddr_list. Returns 0, or -1 when out of memory.
 */
static inline int cresolv_use_nameserver6(res_state state, const struct sockaddr_in6 *address) {
    if (state->_u._ext.nsaddrs[0] == NULL) {
        state->_u._ext.nsaddrs[0] = malloc(sizeof(struct sockaddr_in6));
        if (state->_u._ext.nsaddrs[0] == NULL) return -1;
    }
    *state->_u._ext.nsaddrs[0] = *address;
    memset(&state->nsaddr_list[0], 0, sizeof(state->nsaddr_list[0]));
    state->nscount = 1;
    return 0;
}

/* ns_msg accessors (macros in arpa/nameser.h). */
static inline int cresolv_msg_count(const ns_msg *message, ns_sect section) {
    return ns_msg_count(*message, section);
}
static inline const unsigned char *cresolv_msg_base(const ns_msg *message) {
    return ns_msg_base(*message);
}
static inline const unsigned char *cresolv_msg_end(const ns_msg *message) {
    return ns_msg_end(*message);
}

/* Constants Swift does not import as such. */
static const int cresolv_class_in = ns_c_in;
static const int cresolv_type_srv = ns_t_srv;
static const int cresolv_max_packet = NS_MAXMSG;
static const int cresolv_max_name = NS_MAXDNAME;

#endif /* CRESOLV_SHIM_H */
