// ckprobe: glue around the vendored kubelet CPU and memory manager state packages (no kubelet code
// here). Usage: ckprobe write DIR PLRM PODS  |  ckprobe read DIR PLRM   (PLRM, PODS: true/false)
package main

import (
	"encoding/json"
	"os"
	"path/filepath"

	"k8s.io/kubernetes/pkg/kubelet/cm/containermap"
	memstate "k8s.io/kubernetes/pkg/kubelet/cm/memorymanager/state"
	"k8s.io/utils/cpuset"
)

const gi = uint64(1) << 30

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func machineState() memstate.NUMANodeMap {
	return memstate.NUMANodeMap{0: &memstate.NUMANodeState{
		NumberOfAssignments: 1,
		MemoryMap: map[v1ResourceName]*memstate.MemoryTable{
			"memory": {TotalMemSize: 8 * gi, SystemReserved: gi, Allocatable: 7 * gi, Reserved: gi, Free: 6 * gi},
		},
		Cells: []int{0},
	}}
}

func write(dir string, pods bool) {
	cpu, err := newCPUState(dir, "cpu_manager_state", "static", containermap.NewContainerMap())
	must(err)
	cpu.SetDefaultCPUSet(cpuset.New(0, 1, 4, 5, 6, 7))
	cpu.SetCPUSet("pod-a", "c1", cpuset.New(2, 3))
	mem, err := newMemoryState(dir, "memory_manager_state", "Static")
	must(err)
	mem.SetMachineState(machineState())
	mem.SetMemoryBlocks("pod-a", "c1", []memstate.Block{{NUMAAffinity: []int{0}, Type: "memory", Size: gi}})
	if pods {
		writePodLevel(cpu, mem)
	}
}

func read(dir string) map[string]interface{} {
	out := map[string]interface{}{}
	cpu, err := newCPUState(dir, "cpu_manager_state", "static", containermap.NewContainerMap())
	if err != nil {
		out["cpuErr"] = err.Error()
	} else {
		out["cpuDefault"] = cpu.GetDefaultCPUSet().String()
		got := map[string]map[string]string{}
		for pod, cs := range cpu.GetCPUAssignments() {
			got[pod] = map[string]string{}
			for c, set := range cs {
				got[pod][c] = set.String()
			}
		}
		out["cpuAssignments"] = got
		readPodCPU(cpu, out)
	}
	mem, err := newMemoryState(dir, "memory_manager_state", "Static")
	if err != nil {
		out["memErr"] = err.Error()
	} else {
		out["memMachineState"] = mem.GetMachineState()
		out["memAssignments"] = mem.GetMemoryAssignments()
		readPodMemory(mem, out)
	}
	for _, name := range []string{"cpu_manager_state", "memory_manager_state"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		must(err)
		out["after_"+name] = string(b)
	}
	return out
}

func main() {
	op, dir := os.Args[1], os.Args[2]
	setGate(os.Args[3] == "true")
	switch op {
	case "write":
		write(dir, os.Args[4] == "true")
	case "read":
		must(json.NewEncoder(os.Stdout).Encode(read(dir)))
	default:
		panic(op)
	}
}
