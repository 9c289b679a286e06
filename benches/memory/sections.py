"""Resident MiB per ELF section of a running executable (issue 19, idle RSS): which parts of
the binary a process has touched, from /proc/PID/pagemap (root). Usage: sections.py PID BINARY"""
import sys, struct, subprocess, re
pid, binpath = int(sys.argv[1]), sys.argv[2]
# base address: first mapping of the binary with offset 0
base = None
for line in open(f"/proc/{pid}/maps"):
    parts = line.split()
    if len(parts) >= 6 and parts[5].endswith(binpath.split('/')[-1]) and int(parts[2], 16) == 0:
        base = int(parts[0].split('-')[0], 16); break
secs = []
for line in subprocess.run(["readelf", "-SW", binpath], capture_output=True, text=True).stdout.splitlines():
    m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)", line)
    if m and int(m.group(2), 16) != 0:
        secs.append((m.group(1), int(m.group(2), 16), int(m.group(3), 16)))
pm = open(f"/proc/{pid}/pagemap", "rb")
tot = 0
for name, addr, size in secs:
    first, last = (base + addr) // 4096, (base + addr + size - 1) // 4096
    pm.seek(first * 8)
    data = pm.read((last - first + 1) * 8)
    n = sum(1 for i in range(0, len(data), 8) if struct.unpack_from("<Q", data, i)[0] >> 63)
    tot += n
    if n * 4 >= 128: print(f"{n*4/1024:7.1f} MiB resident of {size/1048576:7.1f} MiB  {name}")
print("total", tot * 4 / 1024)
