"""Architectures.

* resnet20 / resnet32: the standard CIFAR ResNets (He et al. 2016; akamaster layout): 16/32/64 channels, 3x3 convs
  with BatchNorm, option-A shortcuts (at a stage change x[:, :, ::2, ::2] zero-padded with (cout-cin)/2 channels on
  each side), global average pool, linear. Parameter names match the akamaster checkpoints (minus 'module.').
* wide_resnet20 / wide_resnet32: the method's wide variants: 64/128/256 channels, 1x1-conv stride-2 shortcuts
  (with BatchNorm), AvgPool(4) head giving 2x2x256 = 1024 features into the linear layer.
* CryptoNetsMNIST: conv 5x5 stride 2 (5 maps) -> act -> FC 845->100 -> act -> FC 100->10.

Every activation call goes through ONE shared activation module (self.act), unless `act` is a factory (a
ChannelQuadFamily): then every activation site gets its own module, made by act(channels) and registered as
`act` (stem), `act1`/`act2` (the two sites of a basic block).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class OptionAShortcut(nn.Module):
    def __init__(self, planes):
        super().__init__()
        self.pad = planes // 4

    def forward(self, x):
        return F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad), "constant", 0.0)


def per_site(act):
    """Whether `act` makes one module per activation site (a factory) rather than being the shared module."""
    return not isinstance(act, nn.Module)


class BasicBlock(nn.Module):
    def __init__(self, act, in_planes, planes, stride, shortcut):
        super().__init__()
        if per_site(act):
            self.act1, self.act2 = act(planes), act(planes)
        else:
            self.act = [act]  # a list so the shared module is not registered once per block
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        if stride != 1 or in_planes != planes:
            if shortcut == "A":
                self.shortcut = OptionAShortcut(planes)
            else:
                self.shortcut = nn.Sequential(nn.Conv2d(in_planes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))
        else:
            self.shortcut = nn.Sequential()

    def forward(self, x):
        act1, act2 = (self.act1, self.act2) if hasattr(self, "act1") else (self.act[0], self.act[0])
        out = act1(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return act2(out + self.shortcut(x))


class CifarResNet(nn.Module):
    def __init__(self, depth, act, widths=(16, 32, 64), shortcut="A", head="global", num_classes=10):
        super().__init__()
        assert (depth - 2) % 6 == 0
        n = (depth - 2) // 6
        self.depth, self.widths, self.shortcut_kind, self.head = depth, tuple(widths), shortcut, head
        self.act = act(widths[0]) if per_site(act) else act
        self.conv1 = nn.Conv2d(3, widths[0], 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        in_planes = widths[0]
        layers = []
        for i, w in enumerate(widths):
            blocks = []
            for j in range(n):
                stride = 2 if (i > 0 and j == 0) else 1
                blocks.append(BasicBlock(act, in_planes, w, stride, shortcut))
                in_planes = w
            layers.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3 = layers
        if head == "global":
            feat = widths[2]
        else:  # 'avg4': AvgPool(4) on the 8x8 map -> 2x2 x C features
            feat = widths[2] * 4
        self.linear = nn.Linear(feat, num_classes)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight)

    def forward(self, x):
        out = self.act(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        if self.head == "global":
            out = F.avg_pool2d(out, int(out.shape[3]))  # 8x8 -> 1x1 (a static kernel in the export)
        else:
            out = F.avg_pool2d(out, 4)
        out = torch.flatten(out, 1)
        return self.linear(out)


def build_model(name, act):
    if name == "resnet20":
        return CifarResNet(20, act)
    if name == "resnet32":
        return CifarResNet(32, act)
    if name == "wide_resnet20":
        return CifarResNet(20, act, widths=(64, 128, 256), shortcut="B", head="avg4")
    if name == "wide_resnet32":
        return CifarResNet(32, act, widths=(64, 128, 256), shortcut="B", head="avg4")
    if name == "cryptonets":
        return CryptoNetsMNIST(act)
    raise ValueError("unknown model %r" % name)


ARCH_TEXT = {
    "resnet20": "ResNet-20 (CIFAR, 16/32/64 channels, 3 stages x 3 basic blocks, option-A shortcuts, global average pool, linear 64->10)",
    "resnet32": "ResNet-32 (CIFAR, 16/32/64 channels, 3 stages x 5 basic blocks, option-A shortcuts, global average pool, linear 64->10)",
    "wide_resnet20": "wide ResNet-20 (64/128/256 channels, 3 stages x 3 basic blocks, 1x1-conv stride-2 shortcuts with BatchNorm, AvgPool(4) -> 2x2x256 -> linear 1024->10)",
    "wide_resnet32": "wide ResNet-32 (64/128/256 channels, 3 stages x 5 basic blocks, 1x1-conv stride-2 shortcuts with BatchNorm, AvgPool(4) -> 2x2x256 -> linear 1024->10)",
    "cryptonets": "CryptoNets-style MNIST CNN: conv 5x5 stride 2 padding 1 (1->5 maps, 13x13) -> act -> FC 845->100 -> act -> FC 100->10",
}


class CryptoNetsMNIST(nn.Module):
    def __init__(self, act):
        super().__init__()
        self.act = act
        self.conv = nn.Conv2d(1, 5, 5, stride=2, padding=1)
        self.fc1 = nn.Linear(5 * 13 * 13, 100)
        self.fc2 = nn.Linear(100, 10)

    def forward(self, x):
        out = self.act(self.conv(x))
        out = torch.flatten(out, 1)
        out = self.act(self.fc1(out))
        return self.fc2(out)
