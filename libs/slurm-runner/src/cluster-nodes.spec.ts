import { largestNode, parseGres, parseKeyValueLine, parseNodes, parsePartitions } from './cluster-nodes';

// As `scontrol show node --oneliner` printed them on the one-node test cluster, plus a GPU node.
const NODES = [
  'NodeName=vm Arch=x86_64 CoresPerSocket=1  CPUAlloc=0 CPUEfctv=8 CPUTot=8 CPULoad=0.90 AvailableFeatures=(null) ActiveFeatures=(null) Gres=(null) NodeAddr=vm NodeHostName=vm Version=22.05.8 OS=Linux 6.18.44-fc-v657 #1 SMP PREEMPT_DYNAMIC @0  RealMemory=22057 AllocMem=0 FreeMem=22897 Sockets=8 Boards=1 State=IDLE ThreadsPerCore=1 TmpDisk=0 Weight=1 Owner=N/A MCS_label=N/A Partitions=debug,short  BootTime=2026-11-22T18:43:05',
  'NodeName=g1 CPUTot=32 RealMemory=128000 Gres=gpu:a100:4(S:0-1),fpga:1 State=MIXED Partitions=gpu',
].join('\n');
const PARTITIONS = [
  'PartitionName=debug AllowGroups=ALL Default=YES MaxTime=UNLIMITED Nodes=vm State=UP TotalCPUs=8',
  'PartitionName=short AllowGroups=ALL Default=NO MaxTime=00:30:00 Nodes=vm State=UP',
  'PartitionName=gpu Default=NO Nodes=g1 State=UP',
].join('\n');

describe('cluster nodes', () => {
  it('reads values that hold blanks', () => {
    const fields = parseKeyValueLine('NodeName=vm OS=Linux 6.1 #1 SMP  RealMemory=10');
    expect(fields.get('OS')).toBe('Linux 6.1 #1 SMP');
    expect(fields.get('RealMemory')).toBe('10');
  });

  it('reads generic resources by type', () => {
    expect(parseGres('(null)')).toEqual({});
    expect(parseGres('gpu:2')).toEqual({ gpu: 2 });
    expect(parseGres('gpu:a100:4(S:0-1),fpga:1')).toEqual({ gpu: 4, fpga: 1 });
    expect(parseGres('gpu:tesla:1,gpu:k80:2')).toEqual({ gpu: 3 });
  });

  it('reads nodes and partitions', () => {
    const nodes = parseNodes(NODES);
    expect(nodes).toEqual([
      { name: 'vm', cpus: 8, memory: 22057 * 1024 * 1024, gres: {}, partitions: ['debug', 'short'], state: 'IDLE' },
      { name: 'g1', cpus: 32, memory: 128000 * 1024 * 1024, gres: { gpu: 4, fpga: 1 }, partitions: ['gpu'], state: 'MIXED' },
    ]);
    expect(parsePartitions(PARTITIONS)).toEqual([
      { name: 'debug', isDefault: true, state: 'UP' },
      { name: 'short', isDefault: false, state: 'UP' },
      { name: 'gpu', isDefault: false, state: 'UP' },
    ]);
  });

  it('takes the largest node of the chosen partitions only', () => {
    const nodes = parseNodes(NODES);
    expect(largestNode(nodes, ['debug', 'short'])).toEqual({ cpu: 8, memory: 22057 * 1024 * 1024, gpu: 0, fpga: 0, nodes: 1 });
    expect(largestNode(nodes, ['debug', 'gpu'])).toEqual({ cpu: 32, memory: 128000 * 1024 * 1024, gpu: 4, fpga: 1, nodes: 2 });
    expect(largestNode(nodes, ['none'])).toMatchObject({ nodes: 0, cpu: 0 });
  });
});
