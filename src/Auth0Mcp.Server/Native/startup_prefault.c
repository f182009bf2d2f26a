/*
 * Linked into the Native AOT executable on Linux only (Auth0Mcp.Server.csproj, target Auth0McpStartupPrefault).
 *
 * Before main, the Native AOT runtime expands its compressed type data into the executable's `.hydrated` section, a
 * zero-fill (NOBITS) range of about 14 MB in the writable segment. Written page by page, each of its 3,500 pages costs
 * a first-touch page fault, and in a virtual machine a fault is a trap to the hypervisor's view of the guest: about
 * 6 us apiece where this was measured, some 20 ms of every start. This constructor runs before main (the runtime's
 * own start) and asks the kernel to populate that range in one call (madvise MADV_POPULATE_WRITE, Linux 5.14): the
 * same pages become resident, written by the kernel in one pass instead of faulted in one at a time.
 *
 * Only `.hydrated` is populated, found by name in the section headers of /proc/self/exe and checked to lie inside the
 * zero-fill part of a writable loaded segment; the rest of `.bss` is left to be touched (or not) as before. Every
 * failure (an older kernel, an unexpected layout, no /proc) leaves the process exactly as it would have been.
 * docs/benchmarks-server.md, session 16.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_HUGEPAGE
#define MADV_HUGEPAGE 14
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define MAX_SECTIONS 256
#define MAX_NAMES 8192

struct zero_fill { uintptr_t bias; uintptr_t start; uintptr_t end; };

/* The main program is the first object dl_iterate_phdr reports: its load bias and its writable zero-fill range. */
static int find_zero_fill(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    struct zero_fill *fill = data;
    fill->bias = info->dlpi_addr;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_W) && ph->p_memsz > ph->p_filesz) {
            fill->start = info->dlpi_addr + ph->p_vaddr + ph->p_filesz;
            fill->end = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
        }
    }
    return 1;
}

static int read_at(int fd, void *buffer, size_t length, off_t offset)
{
    return pread(fd, buffer, length, offset) == (ssize_t)length;
}

__attribute__((constructor)) static void auth0mcp_startup_prefault(void)
{
    struct zero_fill fill = { 0, 0, 0 };
    dl_iterate_phdr(find_zero_fill, &fill);
    if (fill.end <= fill.start) {
        return;
    }

    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return;
    }

    /* On the stack, not in .bss: these pages are reused afterwards instead of staying resident for the process's life. */
    ElfW(Shdr) sections[MAX_SECTIONS];
    char names[MAX_NAMES];
    ElfW(Ehdr) header;
    uintptr_t start = 0, end = 0;
    if (read_at(fd, &header, sizeof header, 0) && memcmp(header.e_ident, ELFMAG, SELFMAG) == 0
        && header.e_shentsize == sizeof(ElfW(Shdr)) && header.e_shnum > 0 && header.e_shnum <= MAX_SECTIONS
        && header.e_shstrndx < header.e_shnum
        && read_at(fd, sections, header.e_shnum * sizeof(ElfW(Shdr)), (off_t)header.e_shoff)) {
        const ElfW(Shdr) *strings = &sections[header.e_shstrndx];
        size_t length = strings->sh_size < MAX_NAMES - 1 ? strings->sh_size : MAX_NAMES - 1;
        if (read_at(fd, names, length, (off_t)strings->sh_offset)) {
            names[length] = '\0';
            for (int i = 0; i < header.e_shnum; i++) {
                const ElfW(Shdr) *s = &sections[i];
                if (s->sh_type == SHT_NOBITS && (s->sh_flags & SHF_ALLOC) && (s->sh_flags & SHF_WRITE)
                    && s->sh_name < length && strcmp(names + s->sh_name, ".hydrated") == 0) {
                    start = fill.bias + s->sh_addr;
                    end = start + s->sh_size;
                }
            }
        }
    }
    close(fd);

    /* Whole pages only, and only inside the zero-fill range: nothing the file maps is touched. */
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    start = (start + page - 1) & ~(page - 1);
    end &= ~(page - 1);
    if (start >= fill.start && end <= fill.end && end > start) {
        madvise((void *)start, end - start, MADV_HUGEPAGE);
        madvise((void *)start, end - start, MADV_POPULATE_WRITE);
    }
}
