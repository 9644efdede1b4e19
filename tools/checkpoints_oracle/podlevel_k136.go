//go:build k136

package main

import (
	"fmt"

	utilfeature "k8s.io/apiserver/pkg/util/feature"
	cpustate "k8s.io/kubernetes/pkg/kubelet/cm/cpumanager/state"
	memstate "k8s.io/kubernetes/pkg/kubelet/cm/memorymanager/state"
	"k8s.io/utils/cpuset"
)

func setGate(on bool) {
	must(utilfeature.DefaultMutableFeatureGate.Set(fmt.Sprintf("PodLevelResourceManagers=%v", on)))
}

func writePodLevel(cpu cpustate.State, mem memstate.State) {
	cpu.SetPodCPUSet("pod-b", cpuset.New(8, 9, 10, 11))
	cpu.SetCPUSet("pod-b", "x", cpuset.New(8, 9))
	cpu.SetCPUSet("pod-b", "y", cpuset.New(10, 11))
	mem.SetPodMemoryBlocks("pod-b", []memstate.Block{{NUMAAffinity: []int{0}, Type: "memory", Size: 2 * gi}})
}

func readPodCPU(cpu cpustate.State, out map[string]interface{}) {
	got := map[string]string{}
	for pod, e := range cpu.GetPodCPUAssignments() {
		got[pod] = e.CPUSet.String()
	}
	out["cpuPodAssignments"] = got
}

func readPodMemory(mem memstate.State, out map[string]interface{}) {
	out["memPodAssignments"] = mem.GetPodMemoryAssignments()
}
